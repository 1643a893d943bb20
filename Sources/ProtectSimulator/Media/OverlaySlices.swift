import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The overlay of one movie: its layout, the name's bitmap, and the slices that draw it, coded once.
struct OverlaySlices: Sendable {
    let overlay: VideoOverlay
    let layout: OverlayLayout
    let name: LineBitmap
    let framesPerSecond: Int
    /// The key frame, and the slices that redraw the time of day or the whole time line, by `frame_num`.
    let key: SliceTemplate
    let clock: [SliceTemplate]
    let timeLine: [SliceTemplate]
    /// The zone's offset by hour since 1970, filled as the movie is laid out and streamed.
    let offsets = NIOLockedValueBox<[Int64: Int]>([:])

    init(overlay: VideoOverlay, video: SyntheticH264, framesPerSecond: Int) {
        self.overlay = overlay
        self.framesPerSecond = framesPerSecond
        let characters = Array(
            overlay.nameText(limit: OverlayLayout(width: video.width, height: video.height).nameLimit))
        let layout = OverlayLayout(width: video.width, height: video.height, nameLength: characters.count)
        self.layout = layout
        name = layout.bitmap(characters, columns: layout.nameColumns, rows: layout.nameRows)
        // Samples are 128 or 235, never a byte that needs escaping, so any text gives the same sizes.
        let sample = layout.bitmap([], columns: layout.timeColumns, rows: layout.timeRows)
        key = video.idrSlice(overlay: layout, name: name, time: sample)
        clock = (0..<SyntheticH264.maxFrameNumber).map {
            video.updateSlice(frameNumber: $0, overlay: layout, region: .clock, time: sample)
        }
        timeLine = (0..<SyntheticH264.maxFrameNumber).map {
            video.updateSlice(frameNumber: $0, overlay: layout, region: .timeLine, time: sample)
        }
    }

    func second(of frame: Int) -> Int64 {
        overlay.moment(frame: frame, framesPerSecond: framesPerSecond).floorDivided(by: 1000)
    }

    /// The local time of `second`, in seconds: the zone's offset is looked up once per hour of video.
    func localSeconds(_ second: Int64) -> Int64 {
        let hour = second.floorDivided(by: 3600)
        let offset = offsets.withLockedValue { cache -> Int in
            if let known = cache[hour] { return known }
            let value = overlay.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(hour * 3600)))
            cache[hour] = value
            return value
        }
        return second + Int64(offset)
    }

    /// What frame `index` (not a key frame) redraws: nothing while the second lasts, the time of day when it
    /// changes, the whole line when the date changes too.
    func redraw(frame index: Int) -> OverlayLayout.Region? {
        guard index > 0 else { return .timeLine }
        let now = second(of: index)
        let before = second(of: index - 1)
        guard now != before else { return nil }
        let sameDay = localSeconds(now).floorDivided(by: 86_400) == localSeconds(before).floorDivided(by: 86_400)
        return sameDay ? .clock : .timeLine
    }

    /// The time line of frame `index`.
    func timeBitmap(frame index: Int) -> LineBitmap {
        let text = VideoOverlay.text(localSeconds: localSeconds(second(of: index)))
        return layout.bitmap(Array(text), columns: layout.timeColumns, rows: layout.timeRows)
    }
}
