/** Library API of mm-shm (importable without spawning the CLI). */
export {};
