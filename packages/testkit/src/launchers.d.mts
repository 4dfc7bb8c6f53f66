/** The repository's root directory. */
export declare const repoRoot: string;
/**
 * Writes one launcher per tool in packages/ into `dir` (created if needed); returns `dir`.
 * `bundled`: link each tool's committed bin instead (which runs Node from PATH).
 */
export declare function writeLaunchers(dir: string, options?: { bundled?: boolean }): string;
