export function npmCli(): string;
export function nodeAndShOnly(dir: string): string;
export function packWorkspaces(dir: string, names?: string[]): Record<string, string>;
export function installTarball(tarball: string, prefix: string, options?: { safeBin?: string; cache?: string; cwd?: string }): string;
