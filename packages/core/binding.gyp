{
  "targets": [
    {
      "target_name": "mm_core",
      "sources": [
        "src/native/addon.cc",
        "src/native/errors.cc",
        "src/native/map.cc",
        "src/native/shm.cc",
        "src/native/io.cc",
        "src/native/fork.cc",
        "src/native/loops.cc",
        "src/native/ring.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
