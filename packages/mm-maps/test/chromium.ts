// Headless Chromium for the picture tests: find it (or install Debian's package as root),
// render a file to PNG, run a page's script and read back what it wrote, decode the PNG.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The Chromium binary, installing Debian's `chromium` package with apt-get when it is
 * missing and this is root on a Debian-like system. Returns a reason string when neither works.
 */
export function findChromium(): { bin: string } | { reason: string } {
  for (const c of CANDIDATES) {
    const bin = which(c);
    if (bin) return { bin };
  }
  if (process.getuid?.() !== 0) return { reason: "chromium is not installed, and installing it needs root (apt-get install chromium)" };
  if (!which('apt-get')) return { reason: 'chromium is not installed, and there is no apt-get to install it' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'update'], { stdio: 'ignore', env, timeout: 180_000 });
  const install = update.status === 0 ? spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { stdio: 'ignore', env, timeout: 360_000 }) : update;
  const bin = which('chromium');
  if (bin) return { bin };
  return { reason: `chromium is not installed and 'apt-get install chromium' failed (exit ${install.status ?? install.signal})` };
}

function run(bin: string, args: string[], url: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'mm-chromium-'));
  try {
    const r = spawnSync(
      bin,
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`, ...args, url],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 1 << 28 },
    );
    if (r.status !== 0) throw new Error(`chromium failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-500)}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders `file` in a window of `width`×`height` and returns the screenshot (PNG bytes). */
export function screenshot(bin: string, file: string, width: number, height: number, png: string): Buffer {
  run(bin, [`--window-size=${width},${height}`, `--screenshot=${png}`], `file://${file}`);
  return readFileSync(png);
}

/** Loads `file` (whose scripts have run when the page loaded) and returns Chromium's serialized DOM. */
export function dumpDom(bin: string, file: string, width: number, height: number): string {
  return run(bin, [`--window-size=${width},${height}`, '--dump-dom'], `file://${file}`);
}

/** A decoded PNG: width, height and RGBA pixels. */
export interface Image {
  width: number;
  height: number;
  rgba: Buffer;
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are). */
export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      const colour = body[9];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || body[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colour})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let i = 0; i < width * height; i++) pixels.copy(rgba, i * 4, i * 3, i * 3 + 3);
  return { width, height, rgba };
}

/** How many pixels of each colour (`#rrggbb`) the image has. */
export function colourCounts(img: Image): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < img.width * img.height; i++) {
    const c = '#' + img.rgba.subarray(i * 4, i * 4 + 3).toString('hex');
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}
