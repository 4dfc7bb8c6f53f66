/** Library API of mm-cat (importable without spawning the CLI). */
export {};
