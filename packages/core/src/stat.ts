// fstat(2) of an open descriptor without node:fs's Stats: one native call into a reused
// array, and a small object with the fields and tests the tools use. Node 20 compiles the
// Stats class, its date helpers and fs's validators on their first use, a cost every tool
// start that opens a file would pay.
import { binding } from './native.js';
import { checkFd } from './checks.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFLNK = 0o120000;
const S_IFSOCK = 0o140000;

/**
 * What fstat(2) says of an open file — the fields of node:fs's `Stats` that hold numbers, and
 * its type tests — and `fsType`, the magic number fstatfs(2) gives the file system holding it
 * (-1 if the kernel does not say).
 */
export class FileStat {
  constructor(
    readonly mode: number,
    readonly size: number,
    readonly dev: number,
    readonly ino: number,
    readonly rdev: number,
    readonly nlink: number,
    readonly uid: number,
    readonly gid: number,
    readonly blksize: number,
    readonly blocks: number,
    readonly atimeMs: number,
    readonly mtimeMs: number,
    readonly ctimeMs: number,
    readonly fsType: number,
  ) {}
  /** Whether the file lives on a pseudo-file system ({@link isPseudoFileSystem}): /proc, /sys and the like. */
  onPseudoFileSystem(): boolean {
    return isPseudoFileSystem(this.fsType);
  }
  /** Whether the file's type (the S_IFMT bits of its mode) is `type`. */
  private is(type: number): boolean {
    return (this.mode & S_IFMT) === type;
  }
  isFile(): boolean {
    return this.is(S_IFREG);
  }
  isDirectory(): boolean {
    return this.is(S_IFDIR);
  }
  isCharacterDevice(): boolean {
    return this.is(S_IFCHR);
  }
  isBlockDevice(): boolean {
    return this.is(S_IFBLK);
  }
  isFIFO(): boolean {
    return this.is(S_IFIFO);
  }
  isSymbolicLink(): boolean {
    return this.is(S_IFLNK);
  }
  isSocket(): boolean {
    return this.is(S_IFSOCK);
  }
}

let scratch: Float64Array | undefined;

/** fstat(2) and fstatfs(2) of `fd`; errors are SystemErrors named `name` (`poem.txt: Bad file descriptor`). */
export function fileStat(fd: number, name?: string): FileStat {
  const o = (scratch ??= new Float64Array(14));
  binding.fstat(checkFd(fd), o, name);
  return new FileStat(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], o[11], o[12], o[13]);
}

/**
 * Whether file system magic number `type` (fstatfs(2) `f_type`) is a pseudo-file system whose
 * files report sizes that are not their contents: proc, sysfs, debugfs, tracefs, configfs,
 * securityfs, cgroup, cgroup2, bpf, nsfs, selinuxfs, binfmt_misc, rpc_pipefs, devpts,
 * pstore, efivarfs.
 */
export function isPseudoFileSystem(type: number): boolean {
  switch (type) {
    case 0x9fa0:
    case 0x62656572:
    case 0x64626720:
    case 0x74726163:
    case 0x62656570:
    case 0x73636673:
    case 0x27e0eb:
    case 0x63677270:
    case 0xcafe4a11:
    case 0x6e736673:
    case 0xf97cff8c:
    case 0x42494e4d:
    case 0x67596969:
    case 0x1cd1:
    case 0x6165676c:
    case 0xde5e81e4:
      return true;
    default:
      return false;
  }
}
