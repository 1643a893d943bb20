import AsyncHTTPClient
import Foundation
import Logging

extension Transport {
    /// Finds the console generation on `port`: UniFi OS answers `GET /` with an `X-CSRF-Token` header.
    static func detectGeneration(
        http: HTTPClient, configuration: ConsoleConfiguration, port: Int, logger: Logger
    ) async throws -> ConsoleConfiguration.Generation {
        if configuration.generation != .automatic { return configuration.generation }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let request = HTTPClientRequest(url: "https://\(host):\(port)/")
        let response = try await execute(http, request, timeout: configuration.timeouts.connect)
        _ = try? await collect(response)
        let generation: ConsoleConfiguration.Generation =
            response.headers.first(name: "X-CSRF-Token") != nil ? .unifiOS : .legacy
        logger.info("Detected a \(generation == .unifiOS ? "UniFi OS" : "legacy") console on port \(port).")
        return generation
    }
}
