/// Small, valid, flat-grey JPEG and PNG images for snapshots, thumbnails and heatmaps.
enum SyntheticImages {
    /// A baseline greyscale JPEG of `width` × `height` filled with `grey`.
    static func jpeg(width: Int, height: Int, grey: UInt8) -> [UInt8] {
        let width = max(8, min(width, 8192))
        let height = max(8, min(height, 8192))
        let dcDifference = 8 * (Int(grey) - 128)
        let category = dcDifference == 0 ? 0 : Int.bitWidth - abs(dcDifference).leadingZeroBitCount
        var out: [UInt8] = [0xFF, 0xD8]
        // Quantisation table of ones.
        out += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 1, count: 64)
        out += [0xFF, 0xC0, 0x00, 0x0B, 0x08] + UInt16(height).bigEndianBytes + UInt16(width).bigEndianBytes
        out += [0x01, 0x01, 0x11, 0x00]
        // DC table: category 0 as code 00 and the first block's category as code 01.
        let dcSymbols: [UInt8] = category == 0 ? [0] : [0, UInt8(category)]
        var dcCounts = [UInt8](repeating: 0, count: 16)
        dcCounts[1] = UInt8(dcSymbols.count)
        out += [0xFF, 0xC4] + UInt16(2 + 1 + 16 + dcSymbols.count).bigEndianBytes + [0x00] + dcCounts + dcSymbols
        // AC table: only end-of-block, as code 00.
        var acCounts = [UInt8](repeating: 0, count: 16)
        acCounts[1] = 1
        out += [0xFF, 0xC4] + UInt16(2 + 1 + 16 + 1).bigEndianBytes + [0x10] + acCounts + [0x00]
        out += [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]

        var bits = BitWriter()
        let blocks = ((width + 7) / 8) * ((height + 7) / 8)
        for block in 0..<blocks {
            if block == 0 && category > 0 {
                bits.bits(0b01, count: 2)
                let value = dcDifference > 0 ? dcDifference : dcDifference - 1
                bits.bits(value & ((1 << category) - 1), count: category)
            } else {
                bits.bits(0b00, count: 2)
            }
            bits.bits(0b00, count: 2)  // end of block
        }
        // The last byte is padded with one bits, as the standard asks.
        for byte in bits.paddedWithOnes() {
            out.append(byte)
            if byte == 0xFF { out.append(0x00) }
        }
        out += [0xFF, 0xD9]
        return out
    }

    /// A greyscale PNG of `width` × `height` filled with `grey`.
    static func png(width: Int, height: Int, grey: UInt8) -> [UInt8] {
        let width = max(1, min(width, 4096))
        let height = max(1, min(height, 4096))
        var raw: [UInt8] = []
        raw.reserveCapacity((width + 1) * height)
        for _ in 0..<height {
            raw.append(0)
            raw += [UInt8](repeating: grey, count: width)
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, raw.count - offset)
            let isLast = offset + length == raw.count
            zlib.append(isLast ? 1 : 0)
            zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            zlib += raw[offset..<offset + length]
            offset += length
        } while offset < raw.count
        zlib += adler32(raw).bigEndianBytes

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", UInt32(width).bigEndianBytes + UInt32(height).bigEndianBytes + [8, 0, 0, 0, 0])
        out += chunk("IDAT", zlib)
        out += chunk("IEND", [])
        return out
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return UInt32(data.count).bigEndianBytes + typed + crc32(typed).bigEndianBytes
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }
}

extension BitWriter {
    /// The bytes written so far, the last one completed with one bits.
    func paddedWithOnes() -> [UInt8] {
        var copy = self
        while copy.hasPartialByte { copy.bit(true) }
        return copy.bytes
    }
}
