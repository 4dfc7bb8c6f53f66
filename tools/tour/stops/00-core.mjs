// Tour stop: the foundation — @mm/core maps a file and shows it from another process's view.
export default async function (t) {
  t.section('@mm/core — one native package under every tool');
  t.say('The lab starts with a poem in a file; every tool below works on files like it.');
  t.run(`printf 'I just love\\nsharing memories\\nwith other processes\\n' > poem.txt && cat poem.txt`);
  t.say('Map it shared and read-write from Node, write through the mapping, then read the file back with cat:');
  t.run(`node --input-type=module -e "
    const mm = await import('@mm/core');
    const m = mm.openMapping('poem.txt', { access: 'rw' });
    console.log('mapped', m.length, 'bytes, page size', mm.pageSize());
    m.bytes.write('I JUST', 0);
    m.unmap();
    console.log('after unmap the view has', m.bytes.length, 'bytes');
  " && cat poem.txt`);
  t.say('Errors read like the system\'s own, ready for a tool to print:');
  t.run(`node --input-type=module -e "
    const mm = await import('@mm/core');
    for (const f of ['missing.txt', '.', '/dev/null']) try { mm.openMapping(f); } catch (e) { console.log(e.code, '-', e.message); }
  "`);
}
