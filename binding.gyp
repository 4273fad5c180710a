{
  # node-gyp build of the native engine (npm install via node-gyp-build, npm run build:native:gyp,
  # prebuildify). CMakeLists.txt compiles the same sources with the same flags: keep them in step.
  # openblas_static: path of a libopenblas.a to link statically instead of -lopenblas (npm run prebuild sets
  # it through GYP_DEFINES; see scripts/prebuild.js). Such a binary also hides every symbol but the module
  # registration, so another BLAS or libstdc++ in the same process cannot clash with ours.
  "variables": { "openblas_static%": "" },
  "targets": [
    {
      "target_name": "blasnet",
      "sources": [
        "native/core/gemm.cc",
        "native/core/activations.cc",
        "native/core/losses.cc",
        "native/core/optimizers.cc",
        "native/core/layers.cc",
        "native/core/net.cc",
        "native/addon.cc",
        "native/binding_args.cc",
        "native/binding_spec.cc",
        "native/binding_net.cc",
        "native/binding_threads.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "/usr/include/x86_64-linux-gnu",
        "/usr/include/aarch64-linux-gnu",
        "/usr/include/openblas"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # Never -march=native: OpenBLAS picks its kernels at run time, our own loops stay portable.
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2"],
      "cflags_cc": ["-O3", "-fno-math-errno", "-std=c++17", "-fvisibility=hidden", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["openblas_static==''", { "libraries": ["-lopenblas"] }],
        ["openblas_static!='' and OS=='linux'", {
          "libraries": ["<(openblas_static)", "-lpthread", "-lm"],
          "ldflags": [
            "-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL", "-Wl,--gc-sections",
            "-Wl,--version-script=<(module_root_dir)/scripts/prebuild-exports.map"
          ]
        }],
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fexceptions"]
          }
        }]
      ]
    }
  ]
}
