/// Writes an H.264 RBSP bit by bit, with the exp-Golomb codes the syntax uses.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var current: UInt8 = 0
    private var usedBits = 0

    var hasPartialByte: Bool { usedBits != 0 }

    mutating func bit(_ value: Bool) {
        current = (current << 1) | (value ? 1 : 0)
        usedBits += 1
        if usedBits == 8 {
            bytes.append(current)
            current = 0
            usedBits = 0
        }
    }

    /// Writes `count` bits of `value`, most significant first.
    mutating func bits(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            bit((value >> shift) & 1 == 1)
        }
    }

    /// Unsigned exp-Golomb code, ue(v).
    mutating func ue(_ value: Int) {
        let codeNum = value + 1
        let length = Int.bitWidth - codeNum.leadingZeroBitCount
        bits(0, count: length - 1)
        bits(codeNum, count: length)
    }

    /// Signed exp-Golomb code, se(v).
    mutating func se(_ value: Int) {
        ue(value > 0 ? 2 * value - 1 : -2 * value)
    }

    /// Zero bits up to the next byte boundary (`pcm_alignment_zero_bit`).
    mutating func alignWithZeros() {
        while usedBits != 0 { bit(false) }
    }

    /// Whole bytes at a byte boundary.
    mutating func append(_ data: [UInt8]) {
        precondition(usedBits == 0, "bytes are appended at a byte boundary")
        bytes.append(contentsOf: data)
    }

    /// The RBSP trailing bits: a stop bit, then zeros up to the byte boundary.
    mutating func trailingBits() -> [UInt8] {
        bit(true)
        while usedBits != 0 { bit(false) }
        return bytes
    }

    /// `escape`, also giving for each of `positions` (offsets in `rbsp`) its offset in the output.
    static func escape(_ rbsp: [UInt8], mapping positions: [Int]) -> (bytes: [UInt8], positions: [Int]) {
        var output: [UInt8] = []
        output.reserveCapacity(rbsp.count + rbsp.count / 64)
        var mapped: [Int] = []
        mapped.reserveCapacity(positions.count)
        var next = 0
        var zeros = 0
        for (index, byte) in rbsp.enumerated() {
            if zeros >= 2 && byte <= 3 {
                output.append(3)
                zeros = 0
            }
            while next < positions.count && positions[next] == index {
                mapped.append(output.count)
                next += 1
            }
            output.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return (output, mapped)
    }

    /// Inserts emulation-prevention bytes so that the payload never contains a start-code prefix.
    static func escape(_ rbsp: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(rbsp.count + rbsp.count / 64)
        var zeros = 0
        for byte in rbsp {
            if zeros >= 2 && byte <= 3 {
                output.append(3)
                zeros = 0
            }
            output.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return output
    }
}
