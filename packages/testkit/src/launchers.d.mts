/** The repository's root directory. */
export declare const repoRoot: string;
/** Writes one launcher per tool in packages/ into `dir` (created if needed); returns `dir`. */
export declare function writeLaunchers(dir: string): string;
