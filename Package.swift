// swift-tools-version: 6.0
import PackageDescription

// Every target lists every target of the package that it imports, and every (non-system) target that
// those depend on in turn, even where SwiftPM would find the module without it: the native build system
// rebuilds a target only when the module of a dependency it lists changes. A target that reaches a
// module only through another would keep object files compiled against that module's former struct
// layouts after a stored property is added there, a silent mismatch that corrupts memory at run time
// (swiftlang/swift-package-manager#10483, #10502). Tests/PackageTests checks it.

// Numeric targets are compiled with -O even in debug builds: debug Swift runs stencil loops
// about 20x slower, which would make the tests and `swift run` needlessly slow.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
// The networks' elementwise loops (Adam's square root) vectorise only without errno: by default
// `squareRoot()` is a scalar `sqrtss` with a branch to the C library's `sqrtf` for negative input.
let vectorisedMath: [SwiftSetting] = optimised + [.unsafeFlags(["-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "solve-mfg",
    products: [
        .library(name: "PDE", targets: ["PDE"]),
        .library(name: "Problems", targets: ["Problems"]),
        .library(name: "RLBridge", targets: ["RLBridge"]),
        .library(name: "Neural", targets: ["Neural"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Approximators", targets: ["Approximators"]),
        .executable(name: "solve-mfg", targets: ["solve-mfg"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: one thin module each (see Sources/*/module.modulemap).
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CLapacke", pkgConfig: "lapacke",
                       providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .target(name: "PDE", dependencies: ["CFFTW", "CLapacke"], swiftSettings: optimised),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .target(name: "Problems", dependencies: ["PDE"], swiftSettings: optimised),
        .target(name: "Plots", dependencies: ["CCairo"]),
        .target(name: "Writers", swiftSettings: optimised),
        .target(name: "Reports", dependencies: ["PDE", "Problems", "Writers", "Plots"]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Our C kernels, one per instruction set, chosen at run time, with identical results: bfloat16
        // matrix products, vector exp and log. -O2 in debug too; no fused multiply-adds but the
        // explicit ones (the results must not depend on the compiler's choices).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "Neural", dependencies: ["CLapacke", "CKernels"], swiftSettings: vectorisedMath),
        .target(name: "RLBridge", dependencies: ["PDE", "Neural", "CKernels"], swiftSettings: optimised),
        .target(name: "Datasets", dependencies: ["RLBridge", "Writers", "CHDF5", "PDE", "Neural", "CKernels"], swiftSettings: optimised),
        .target(name: "Approximators", dependencies: ["PDE", "Neural", "CKernels", "RLBridge"], swiftSettings: optimised),
        .target(name: "Benchmark", dependencies: ["PDE", "Problems", "RLBridge", "Approximators", "Writers", "Plots", "Neural", "CKernels"], swiftSettings: optimised),
        .executableTarget(
            name: "solve-mfg",
            dependencies: [
                "PDE", "Problems", "Writers", "Reports", "RLBridge", "Neural", "CKernels", "Datasets", "Benchmark", "Approximators", "Plots",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "PDETests", dependencies: ["PDE", "Writers"], swiftSettings: optimised),
        .testTarget(name: "RLBridgeTests", dependencies: ["RLBridge", "PDE", "Neural", "CKernels"], swiftSettings: optimised),
        .testTarget(name: "NeuralTests", dependencies: ["Neural", "CKernels", "CLapacke"], swiftSettings: optimised),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "RLBridge", "Writers", "PDE", "Neural", "CKernels"], swiftSettings: optimised),
        .testTarget(name: "ApproximatorsTests", dependencies: ["Approximators", "PDE", "Problems", "Neural", "CKernels", "RLBridge"], swiftSettings: optimised),
        .testTarget(name: "BenchmarkTests", dependencies: ["Benchmark", "Problems", "RLBridge", "Approximators", "PDE", "Neural", "CKernels", "Writers", "Plots"], swiftSettings: optimised),
        .testTarget(name: "ProblemsTests", dependencies: ["Problems", "PDE", "Reports", "Writers", "Plots"], swiftSettings: optimised),
        .testTarget(name: "PackageTests"),
    ]
)
