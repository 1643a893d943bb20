import Foundation
import ProtectAPI

/// Checks that a file is a whole MP4: `ftyp` first, every box inside the file, `mdat` and `moov` present.
public enum MP4Check {
    /// Why a file is not a complete MP4.
    public enum Problem: Error, Equatable, LocalizedError {
        case empty
        case notMP4(String)
        case truncated(String)
        case missingIndex

        public var errorDescription: String? {
            switch self {
            case .empty: "the console sent an empty body"
            case .notMP4(let start): "the console sent something other than an MP4 (it begins with \"\(start)\")"
            case .truncated(let box): "the MP4 is cut off inside its \(box) box"
            case .missingIndex: "the MP4 has no moov box (the body ended early)"
            }
        }
    }

    /// Validates the file at `path`; throws the problem found.
    public static func validate(path: String) throws {
        _ = try inspect(path: path)
    }

    /// Validates the file at `path` and reads its duration in seconds from the movie header (`moov/mvhd`); nil when
    /// the header gives none.
    public static func duration(path: String) throws -> Double? {
        try inspect(path: path)
    }

    /// The bytes of the `moov` box (its header included) of the whole MP4 at `path`.
    static func index(path: String) throws -> [UInt8] {
        try walk(path: path) { handle, moov in
            try handle.seek(toOffset: UInt64(moov.offset))
            guard let bytes = try handle.read(upToCount: Int(moov.size)), bytes.count == Int(moov.size) else {
                throw Problem.truncated("moov")
            }
            return [UInt8](bytes)
        }
    }

    /// Walks the top-level boxes, then reads `mvhd` inside `moov`.
    static func inspect(path: String) throws -> Double? {
        try walk(path: path) { handle, moov in try movieDuration(handle, moov: moov) }
    }

    /// Walks the top-level boxes of the file at `path`; `body` gets the open file and where `moov` is.
    static func walk<T>(
        path: String, _ body: (FileHandle, (offset: Int64, size: Int64)) throws -> T
    ) throws -> T {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Problem.empty }
        defer { try? handle.close() }
        let size = Int64(
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
        guard size > 0 else { throw Problem.empty }
        var offset: Int64 = 0
        var types: [String] = []
        var moov: (offset: Int64, size: Int64)?
        while offset < size {
            try handle.seek(toOffset: UInt64(offset))
            guard let header = try handle.read(upToCount: 16), header.count >= 8 else {
                throw Problem.truncated(types.last ?? "first")
            }
            let bytes = [UInt8](header)
            var boxSize = Int64(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: bytes[4..<8], as: UTF8.self)
            if types.isEmpty && type != "ftyp" {
                let printable = String(
                    decoding: bytes.prefix(8).map { (32...126).contains($0) ? $0 : 46 }, as: UTF8.self)
                throw Problem.notMP4(printable)
            }
            if boxSize == 1 {
                guard bytes.count >= 16 else { throw Problem.truncated(type) }
                boxSize = Int64(clamping: bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= 8 else { throw Problem.truncated(type) }
            guard boxSize <= size - offset else { throw Problem.truncated(type) }
            types.append(type)
            // The first index counts (as for ffmpeg); a second one is ignored.
            if type == "moov" && moov == nil { moov = (offset, boxSize) }
            offset += boxSize
        }
        guard let moov else { throw Problem.missingIndex }
        return try body(handle, moov)
    }

    /// The duration in the `mvhd` box of `moov` (both header versions).
    static func movieDuration(_ handle: FileHandle, moov: (offset: Int64, size: Int64)) throws -> Double? {
        var offset = moov.offset + 8
        let end = moov.offset + moov.size
        while offset + 8 <= end {
            try handle.seek(toOffset: UInt64(offset))
            guard let header = try handle.read(upToCount: 8), header.count == 8 else { return nil }
            let bytes = [UInt8](header)
            let size = Int64(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: bytes[4..<8], as: UTF8.self)
            guard size >= 8 else { return nil }
            if type == "mvhd" {
                guard let body = try handle.read(upToCount: 32), body.count >= 20 else { return nil }
                let b = [UInt8](body)
                func number(_ range: Range<Int>) -> UInt64 { b[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
                let version = b[0]
                let (timescale, duration) =
                    version == 1 && b.count >= 32
                    ? (number(20..<24), number(24..<32)) : (number(12..<16), number(16..<20))
                guard timescale > 0 else { return nil }
                return Double(duration) / Double(timescale)
            }
            offset += size
        }
        return nil
    }
}

extension MP4Check.Problem: TransientError {
    /// A file that failed its checks is asked again by the engine (the body may have been cut short).
    public func isTransient(within scope: RetryScope) -> Bool { scope == .export }
}
