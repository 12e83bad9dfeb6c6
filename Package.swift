// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "portaladmin",
    products: [
        .executable(name: "portaladmin", targets: ["portaladmin"]),
        .library(name: "PortalKit", targets: ["PortalKit"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CPostgres", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .target(
            name: "PortalKit", dependencies: ["CSQLite", "CCrypto", "CPostgres"],
            exclude: ["Accounts/CommonPasswords.LICENSE.txt"],
            swiftSettings: strict),
        .executableTarget(
            name: "portaladmin", dependencies: ["PortalKit"],
            swiftSettings: strict),
        .testTarget(
            name: "PortalKitTests", dependencies: ["PortalKit"],
            swiftSettings: strict),
        .testTarget(
            name: "portaladminTests", dependencies: ["portaladmin", "PortalKit"],
            swiftSettings: strict),
    ]
)
