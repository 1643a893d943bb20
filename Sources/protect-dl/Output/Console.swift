import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes lines to stdout and stderr without trapping when a reader has gone away (`protect-dl ... | head -1`):
/// a closed pipe is reported to the caller instead.
enum Console {
    enum Stream {
        case standardOutput, standardError

        var descriptor: Int32 { self == .standardOutput ? STDOUT_FILENO : STDERR_FILENO }
    }

    /// Writes `line` and a newline; false when the stream is closed (EPIPE) or broken.
    @discardableResult
    static func write(_ line: String, to stream: Stream) -> Bool {
        writeRaw(line + "\n", to: stream)
    }

    /// Writes `text` as it is; false when the stream is closed or broken.
    @discardableResult
    static func writeRaw(_ text: String, to stream: Stream) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(stream.descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
