/** Library API of mm-anon (importable without spawning the CLI). */
export {};
