// swift-tools-version:6.2
import Foundation
import PackageDescription

var swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]
// CI builds with every warning of the project's own targets treated as an error.
if ProcessInfo.processInfo.environment["PROTECT_DL_STRICT"] != nil {
    swiftSettings.append(.treatAllWarnings(as: .error))
}
// PROTECT_DL_STATIC_RUNTIME=1 links protect-dl with the Swift runtime and Foundation statically (the release
// tarball's binary, scripts/release.sh) without compiling anything again: only its link changes, so one build serves
// the tests and the tarball. Only for `--product protect-dl`: the test bundle links this target's code too, and Swift
// Testing has no static library. The modules were compiled against the shared Foundation, whose module files do not name every archive the
// static one needs: those are named here, and lld (unlike gold) finds symbols in archives whatever their order.
let staticRuntimeLink: [LinkerSetting] =
    ProcessInfo.processInfo.environment["PROTECT_DL_STATIC_RUNTIME"] == nil
    ? []
    : [
        .unsafeFlags([
            "-static-stdlib", "-use-ld=lld", "-lswiftSynchronization", "-lCoreFoundation", "-l_FoundationICU",
            "-l_FoundationCShims",
            "-l_FoundationCollections",
            // No exported symbol table (nothing loads symbols from an executable) and packed relative relocations
            // (glibc 2.36 or newer): the loader no longer reads megabytes of both at every start, which was a fifth
            // of a downloading protect-dl's memory.
            "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        ])
    ]
// The simulator is optimised in debug builds too: it is the ground of every test, and synthesising video (the
// burned-in text above all) unoptimised would starve the other tests that share the process.
let simulatorSettings = swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "protect-dl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "protect-dl", targets: ["protect-dl"]),
        .executable(name: "protect-sim", targets: ["protect-sim"]),
        .library(name: "ProtectAPI", targets: ["ProtectAPI"]),
        .library(name: "ProtectArchive", targets: ["ProtectArchive"]),
        .library(name: "ProtectSimulator", targets: ["ProtectSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "ProtectAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProtectArchive",
            dependencies: [
                "ProtectAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProtectSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: simulatorSettings
        ),
        .executableTarget(
            name: "protect-dl",
            dependencies: [
                "ProtectAPI",
                "ProtectArchive",
                "ProtectSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: staticRuntimeLink
        ),
        .executableTarget(
            name: "protect-sim",
            dependencies: [
                "ProtectSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "ProtectSimulator", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProtectAPITests",
            dependencies: ["ProtectAPI", "ProtectSimulator", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProtectArchiveTests",
            dependencies: [
                "ProtectArchive", "ProtectAPI", "ProtectSimulator", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProtectSimulatorTests",
            dependencies: [
                "ProtectSimulator",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ProtectSimulator",
                "ProtectArchive",
                "protect-dl",
                "protect-sim",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Peers"],
            swiftSettings: swiftSettings
        ),
    ]
)
