/** Library API of mm-db (importable without spawning the CLI). */
export {};
