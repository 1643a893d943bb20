import Foundation

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
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Problem.empty }
        defer { try? handle.close() }
        let size = Int64(
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
        guard size > 0 else { throw Problem.empty }
        var offset: Int64 = 0
        var types: [String] = []
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
                boxSize = Int64(bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= 8 else { throw Problem.truncated(type) }
            guard offset + boxSize <= size else { throw Problem.truncated(type) }
            types.append(type)
            offset += boxSize
        }
        guard types.contains("moov") else { throw Problem.missingIndex }
    }
}
