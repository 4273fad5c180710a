{
  # node-gyp build of the native engine (npm install via node-gyp-build, npm run build:native:gyp,
  # prebuildify). CMakeLists.txt compiles the same sources with the same flags: keep them in step.
  # Variables for prebuilds (npm run build:prebuild sets them through GYP_DEFINES; see scripts/prebuild.js):
  # openblas_static: a libopenblas.a (openblas.lib on Windows) linked statically instead of -lopenblas; on
  #   Linux the binary then also hides every symbol but the module registration, so another BLAS or
  #   libstdc++ in the same process cannot clash with ours.
  # openblas_include: a directory holding that OpenBLAS's cblas.h.
  # blas=accelerate (macOS): Apple's Accelerate behind the same cblas_sgemm call, no OpenBLAS.
  "variables": { "openblas_static%": "", "openblas_include%": "", "blas%": "openblas" },
  "targets": [
    {
      "target_name": "blasnet",
      "sources": [
        "native/core/activations.cc",
        "native/core/gemm.cc",
        "native/core/infer.cc",
        "native/core/layers.cc",
        "native/core/layout.cc",
        "native/core/losses.cc",
        "native/core/net.cc",
        "native/core/net_passes.cc",
        "native/core/optimizers.cc",
        "native/core/packed_kernel.cc",
        "native/core/parallel.cc",
        "native/core/regularizers.cc",
        "native/core/row_kernel.cc",
        "native/binding/addon.cc",
        "native/binding/args.cc",
        "native/binding/calls.cc",
        "native/binding/engine_pool.cc",
        "native/binding/env_data.cc",
        "native/binding/net_handle.cc",
        "native/binding/spec.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "/usr/include/x86_64-linux-gnu",
        "/usr/include/aarch64-linux-gnu",
        "/usr/include/openblas"
      ],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an error thrown into an environment that is terminating
      # (a Worker ended mid-call) is dropped; otherwise node-addon-api rethrows it as C++ and aborts the process.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      # Never -march=native: OpenBLAS picks its kernels at run time, our own loops stay portable.
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2"],
      "cflags_cc": ["-O3", "-fno-math-errno", "-std=c++17", "-fvisibility=hidden", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["openblas_static=='' and blas=='openblas'", { "libraries": ["-lopenblas"] }],
        ["openblas_include!=''", { "include_dirs": ["<(openblas_include)"] }],
        ["openblas_static!='' and OS=='linux'", {
          "libraries": ["<(openblas_static)", "-lpthread", "-lm"],
          "ldflags": [
            "-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL", "-Wl,--gc-sections",
            "-Wl,--version-script=<(module_root_dir)/scripts/prebuild-exports.map"
          ]
        }],
        ["openblas_static!='' and OS=='mac'", {
          "libraries": ["<(openblas_static)"],
          "xcode_settings": { "OTHER_LDFLAGS": ["-Wl,-exported_symbol,_napi_register_module_v1", "-Wl,-exported_symbol,_node_api_module_get_api_version_v1"] }
        }],
        ["blas=='accelerate'", {
          "defines": ["BLASNET_ACCELERATE"],
          "libraries": ["$(SDKROOT)/System/Library/Frameworks/Accelerate.framework"],
          "xcode_settings": { "OTHER_LDFLAGS": ["-Wl,-exported_symbol,_napi_register_module_v1", "-Wl,-exported_symbol,_node_api_module_get_api_version_v1"] }
        }],
        ["OS=='win'", {
          "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] } }
        }],
        ["openblas_static!='' and OS=='win'", { "libraries": ["<(openblas_static)"] }],
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
