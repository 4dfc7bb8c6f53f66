/** Library API of mm-counter (importable without spawning the CLI). */
export {};
