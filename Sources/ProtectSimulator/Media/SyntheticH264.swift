/// A coded slice whose time-line macroblocks are redrawn by overwriting their luma samples: I_PCM samples (128 or
/// 235) never need escaping, so the bytes around them stay where they are whatever the text.
struct SliceTemplate: Sendable {
    /// Where the 256 luma samples of one macroblock of the time line start.
    struct Patch: Sendable {
        var offset: Int
        var column: Int
        var row: Int
    }

    /// The NAL unit as coded for the template's text.
    let bytes: [UInt8]
    /// Offsets in `bytes`.
    let patches: [Patch]

    init(header: UInt8, rbsp: [UInt8], patches: [Patch]) {
        let escaped = BitWriter.escape(rbsp, mapping: patches.map(\.offset))
        bytes = [header] + escaped.bytes
        self.patches = zip(patches, escaped.positions).map { Patch(offset: $1 + 1, column: $0.column, row: $0.row) }
    }

    /// The slice showing `time`.
    func drawing(_ time: LineBitmap) -> [UInt8] {
        var output = bytes
        output.withUnsafeMutableBufferPointer { target in
            time.pixels.withUnsafeBufferPointer { source in
                for patch in patches {
                    for y in 0..<16 {
                        let from = (patch.row * 16 + y) * time.width + patch.column * 16
                        let to = patch.offset + y * 16
                        for x in 0..<16 { target[to + x] = source[from + x] }
                    }
                }
            }
        }
        return output
    }
}

/// A minimal but valid H.264 (Baseline, CAVLC) stream of a flat grey picture at any resolution.
///
/// An IDR picture codes every macroblock as Intra 16x16 DC with no residual (one byte per macroblock);
/// the following pictures skip every macroblock. Decoders accept it, so `ffprobe` and `ffmpeg` can check
/// the files the simulator serves as they would check a real export.
struct SyntheticH264: Sendable {
    let width: Int
    let height: Int
    let sequenceParameterSet: [UInt8]
    let pictureParameterSet: [UInt8]
    let idrSlice: [UInt8]
    /// P slices indexed by `frame_num` (0..<16).
    let predictedSlices: [[UInt8]]

    static let log2MaxFrameNumber = 4
    static var maxFrameNumber: Int { 1 << log2MaxFrameNumber }

    init(width requestedWidth: Int, height requestedHeight: Int) {
        let width = max(16, (requestedWidth + 1) & ~1)
        let height = max(16, (requestedHeight + 1) & ~1)
        self.width = width
        self.height = height
        let widthInMacroblocks = (width + 15) / 16
        let heightInMacroblocks = (height + 15) / 16
        let macroblockCount = widthInMacroblocks * heightInMacroblocks

        var sps = BitWriter()
        sps.bits(66, count: 8)  // profile_idc: Baseline
        sps.bits(0xC0, count: 8)  // constraint_set0 and constraint_set1
        sps.bits(51, count: 8)  // level_idc 5.1
        sps.ue(0)  // seq_parameter_set_id
        sps.ue(Self.log2MaxFrameNumber - 4)
        sps.ue(2)  // pic_order_cnt_type
        sps.ue(1)  // max_num_ref_frames
        sps.bit(false)  // gaps_in_frame_num_value_allowed_flag
        sps.ue(widthInMacroblocks - 1)
        sps.ue(heightInMacroblocks - 1)
        sps.bit(true)  // frame_mbs_only_flag
        sps.bit(true)  // direct_8x8_inference_flag
        let cropRight = (widthInMacroblocks * 16 - width) / 2
        let cropBottom = (heightInMacroblocks * 16 - height) / 2
        let cropping = cropRight > 0 || cropBottom > 0
        sps.bit(cropping)
        if cropping {
            sps.ue(0)
            sps.ue(cropRight)
            sps.ue(0)
            sps.ue(cropBottom)
        }
        sps.bit(false)  // vui_parameters_present_flag
        sequenceParameterSet = [0x67] + BitWriter.escape(sps.trailingBits())

        var pps = BitWriter()
        pps.ue(0)  // pic_parameter_set_id
        pps.ue(0)  // seq_parameter_set_id
        pps.bit(false)  // entropy_coding_mode_flag: CAVLC
        pps.bit(false)  // bottom_field_pic_order_in_frame_present_flag
        pps.ue(0)  // num_slice_groups_minus1
        pps.ue(0)  // num_ref_idx_l0_default_active_minus1
        pps.ue(0)  // num_ref_idx_l1_default_active_minus1
        pps.bit(false)  // weighted_pred_flag
        pps.bits(0, count: 2)  // weighted_bipred_idc
        pps.se(0)  // pic_init_qp_minus26
        pps.se(0)  // pic_init_qs_minus26
        pps.se(0)  // chroma_qp_index_offset
        pps.bit(false)  // deblocking_filter_control_present_flag
        pps.bit(false)  // constrained_intra_pred_flag
        pps.bit(false)  // redundant_pic_cnt_present_flag
        pictureParameterSet = [0x68] + BitWriter.escape(pps.trailingBits())

        var idr = BitWriter()
        Self.writeIDRHeader(&idr)
        for _ in 0..<macroblockCount {
            idr.ue(3)  // mb_type I_16x16_2_0_0: DC prediction, no coded blocks
            idr.ue(0)  // intra_chroma_pred_mode: DC
            idr.se(0)  // mb_qp_delta
            idr.bit(true)  // coeff_token for the DC block: no coefficients
        }
        idrSlice = [0x65] + BitWriter.escape(idr.trailingBits())

        predictedSlices = (0..<Self.maxFrameNumber).map { frameNumber in
            var slice = BitWriter()
            Self.writePredictedHeader(&slice, frameNumber: frameNumber)
            slice.ue(macroblockCount)  // mb_skip_run: the whole picture
            return [0x41] + BitWriter.escape(slice.trailingBits())
        }
    }

    /// The header of an IDR slice holding the whole picture.
    static func writeIDRHeader(_ idr: inout BitWriter) {
        idr.ue(0)  // first_mb_in_slice
        idr.ue(7)  // slice_type: I (all slices)
        idr.ue(0)  // pic_parameter_set_id
        idr.bits(0, count: log2MaxFrameNumber)  // frame_num
        idr.ue(0)  // idr_pic_id
        idr.bit(false)  // no_output_of_prior_pics_flag
        idr.bit(false)  // long_term_reference_flag
        idr.se(0)  // slice_qp_delta
    }

    /// The header of a P slice holding the whole picture.
    static func writePredictedHeader(_ slice: inout BitWriter, frameNumber: Int) {
        slice.ue(0)  // first_mb_in_slice
        slice.ue(5)  // slice_type: P (all slices)
        slice.ue(0)  // pic_parameter_set_id
        slice.bits(frameNumber, count: log2MaxFrameNumber)
        slice.bit(false)  // num_ref_idx_active_override_flag
        slice.bit(false)  // ref_pic_list_modification_flag_l0
        slice.bit(false)  // adaptive_ref_pic_marking_mode_flag
        slice.se(0)  // slice_qp_delta
    }

    var macroblockColumns: Int { (width + 15) / 16 }
    var macroblockRows: Int { (height + 15) / 16 }

    /// An IDR picture showing the overlay's name and time (as uncompressed I_PCM macroblocks) on the grey.
    func idrSlice(overlay layout: OverlayLayout, name: LineBitmap, time: LineBitmap) -> SliceTemplate {
        var idr = BitWriter()
        var patches: [SliceTemplate.Patch] = []
        Self.writeIDRHeader(&idr)
        func isPCM(_ column: Int, _ row: Int) -> Bool { layout.contains(column: column, row: row, region: .all) }
        for row in 0..<macroblockRows {
            for column in 0..<macroblockColumns {
                if isPCM(column, row) {
                    idr.ue(25)  // mb_type I_PCM
                    Self.writePCM(
                        &idr, column: column, row: row, layout: layout, name: name, time: time, patches: &patches)
                    continue
                }
                idr.ue(3)  // mb_type I_16x16_2_0_0: DC prediction, no coded blocks
                idr.ue(0)  // intra_chroma_pred_mode: DC
                idr.se(0)  // mb_qp_delta
                // coeff_token "no coefficients": its code depends on nC, which counts an I_PCM neighbour as 16.
                let left = column > 0 ? (isPCM(column - 1, row) ? 16 : 0) : nil
                let top = row > 0 ? (isPCM(column, row - 1) ? 16 : 0) : nil
                let nC: Int
                switch (left, top) {
                case (let a?, let b?): nC = (a + b + 1) >> 1
                case (let a?, nil): nC = a
                case (nil, let b?): nC = b
                case (nil, nil): nC = 0
                }
                switch nC {
                case ..<2: idr.bit(true)
                case 2..<4: idr.bits(0b11, count: 2)
                case 4..<8: idr.bits(0b1111, count: 4)
                default: idr.bits(0b000011, count: 6)
                }
            }
        }
        return SliceTemplate(header: 0x65, rbsp: idr.trailingBits(), patches: patches)
    }

    /// A P picture that redraws `region` of the time (I_PCM macroblocks) and skips everything else.
    func updateSlice(frameNumber: Int, overlay layout: OverlayLayout, region: OverlayLayout.Region, time: LineBitmap)
        -> SliceTemplate
    {
        var slice = BitWriter()
        var patches: [SliceTemplate.Patch] = []
        Self.writePredictedHeader(&slice, frameNumber: frameNumber)
        var skipped = 0
        for row in 0..<macroblockRows {
            for column in 0..<macroblockColumns {
                guard layout.contains(column: column, row: row, region: region) else {
                    skipped += 1
                    continue
                }
                slice.ue(skipped)  // mb_skip_run
                skipped = 0
                slice.ue(30)  // mb_type I_PCM in a P slice (5 + 25)
                Self.writePCM(
                    &slice, column: column, row: row, layout: layout, name: nil, time: time, patches: &patches)
            }
        }
        if skipped > 0 { slice.ue(skipped) }
        return SliceTemplate(header: 0x41, rbsp: slice.trailingBits(), patches: patches)
    }

    /// The samples of one I_PCM macroblock: 256 luma from the line it belongs to, then 64 Cb and 64 Cr (neutral).
    static func writePCM(
        _ writer: inout BitWriter, column: Int, row: Int, layout: OverlayLayout, name: LineBitmap?, time: LineBitmap,
        patches: inout [SliceTemplate.Patch]
    ) {
        writer.alignWithZeros()
        if row < layout.nameRows, let name {
            writer.append(name.macroblock(column: column, row: row))
        } else {
            patches.append(.init(offset: writer.bytes.count, column: column, row: row - layout.nameRows))
            writer.append(time.macroblock(column: column, row: row - layout.nameRows))
        }
        writer.append([UInt8](repeating: VideoOverlay.background, count: 128))
    }

    /// The `avcC` decoder configuration record.
    var decoderConfiguration: [UInt8] {
        var record: [UInt8] = [
            1, sequenceParameterSet[1], sequenceParameterSet[2], sequenceParameterSet[3], 0xFF, 0xE1,
        ]
        record += UInt16(sequenceParameterSet.count).bigEndianBytes + sequenceParameterSet
        record += [1] + UInt16(pictureParameterSet.count).bigEndianBytes + pictureParameterSet
        return record
    }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }
}
