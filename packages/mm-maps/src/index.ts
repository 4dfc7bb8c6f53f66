/** Library API of mm-maps (importable without spawning the CLI). */
export {};
