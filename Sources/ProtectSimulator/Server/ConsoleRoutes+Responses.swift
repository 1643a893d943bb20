import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// `{"error":"…"}`, the body of the console's errors.
    static func errorBody(_ message: String) -> String {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"error":"\#(escaped)"}"#
    }

    static func notFound(_ message: String) -> Response { json(.notFound, errorBody(message)) }

    static func json(_ status: HTTPResponse.Status, _ text: String, _ headers: HTTPFields = [:]) -> Response {
        json(status, Data(text.utf8), headers)
    }

    static func json(_ status: HTTPResponse.Status, _ data: Data, _ headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Faults the simulator injects on purpose.
enum SimulatedFault: Error {
    /// The connection is dropped mid-body.
    case connectionReset
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }
}
