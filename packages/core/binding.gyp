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
        "src/native/futex.cc",
        "src/native/fault.cc",
        "src/native/ring.cc",
        "src/native/records.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except_all"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-O2", "-falign-loops=32", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
