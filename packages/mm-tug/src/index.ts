/** Library API of mm-tug (importable without spawning the CLI). */
export {};
