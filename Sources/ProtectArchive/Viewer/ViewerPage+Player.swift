extension ViewerPage {
    /// The players: one per chosen camera, side by side, kept at one moment; each plays an hour file and has the
    /// next one loading in a hidden second video element, shown the moment the first ends.
    static let playerScript = #"""
        class Player {
          constructor(row) {
            this.row = row; this.seg = null; this.list = []; this.next = null;
            this.figure = document.createElement("figure");
            this.figure.innerHTML = `<video muted playsinline></video><video muted playsinline hidden></video><figcaption></figcaption>`;
            this.figure.dataset.camera = row.id;
            [this.active, this.spare] = this.figure.querySelectorAll("video");
            this.figure.querySelector("figcaption").textContent = row.name;
            for (const v of [this.active, this.spare]) {
              v.addEventListener("timeupdate", () => { if (v === this.active) this.ahead(); });
              v.addEventListener("ended", () => { if (v === this.active) this.advance(); });
            }
            $("#players").appendChild(this.figure);
          }
          async seek(ms) {
            const id = encodeURIComponent(this.row.id);
            this.list = await get(`/api/segments?camera=${id}&from=${ms - HOUR}&to=${ms + 6 * HOUR}`);
            const seg = this.list.find((s) => s.start <= ms && ms < s.end) || this.list.find((s) => s.start > ms);
            if (!seg) { this.figure.querySelector("figcaption").textContent = `${this.row.name}: no footage`; return; }
            this.figure.querySelector("figcaption").textContent = this.row.name;
            this.show(this.active, seg, Math.max(0, (ms - seg.start) / 1000));
          }
          show(video, seg, offset) {
            this.seg = seg; this.next = null;
            const go = () => {
              video.currentTime = offset; video.playbackRate = viewer.rate;
              if (!viewer.paused) video.play().catch(() => {});
            };
            if (video.dataset.url === seg.url && video.readyState >= 1) { go(); return; }
            video.dataset.url = seg.url; video.src = seg.url;
            video.addEventListener("loadedmetadata", go, { once: true });
          }
          wall() { return this.seg ? this.seg.start + this.active.currentTime * 1000 : null; }
          async ahead() {
            const v = this.active;
            if (this.next || !this.seg || !(v.duration - v.currentTime < 20)) return;
            let next = this.list.find((s) => s.start === this.seg.end);
            if (!next) {
              const id = encodeURIComponent(this.row.id);
              this.list = await get(`/api/segments?camera=${id}&from=${this.seg.end}&to=${this.seg.end + 6 * HOUR}`);
              next = this.list.find((s) => s.start >= this.seg.end);
            }
            if (!next || this.next) return;
            this.next = next;
            this.spare.dataset.url = next.url; this.spare.preload = "auto"; this.spare.src = next.url; this.spare.load();
          }
          advance() {
            const next = this.next;
            if (!next) { if (this.seg) this.seek(this.seg.end); return; }
            [this.active, this.spare] = [this.spare, this.active];
            this.active.hidden = false; this.spare.hidden = true; this.spare.pause();
            this.seg = next; this.next = null;
            this.active.currentTime = 0; this.active.playbackRate = viewer.rate;
            if (!viewer.paused) this.active.play().catch(() => {});
          }
        }
        function play(row, ms) {
          if (!viewer.players.has(row.id)) viewer.players.set(row.id, new Player(row));
          viewer.paused = false; $("#pause").textContent = "Pause";
          for (const p of viewer.players.values()) p.seek(ms);
        }
        viewer.play = (id, ms) => play(viewer.cameras.find((r) => r.id === id), ms);
        viewer.playing = () => {
          const first = viewer.players.values().next().value;
          return first ? first.wall() : null;
        };
        viewer.setRate = (rate) => {
          viewer.rate = rate;
          for (const p of viewer.players.values()) p.active.playbackRate = rate;
        };
        viewer.togglePause = () => {
          viewer.paused = !viewer.paused;
          $("#pause").textContent = viewer.paused ? "Play" : "Pause";
          for (const p of viewer.players.values()) viewer.paused ? p.active.pause() : p.active.play().catch(() => {});
        };
        // The picture a player shows, as 8-bit grey (for tests and stills).
        viewer.frame = (id) => {
          const v = viewer.players.get(id).active;
          const c = document.createElement("canvas");
          c.width = v.videoWidth; c.height = v.videoHeight;
          const g = c.getContext("2d");
          g.drawImage(v, 0, 0);
          const rgba = g.getImageData(0, 0, c.width, c.height).data;
          const luma = new Array(c.width * c.height);
          for (let i = 0; i < luma.length; i++) {
            luma[i] = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
          }
          return { width: c.width, height: c.height, luma, wall: viewer.players.get(id).wall() };
        };
        function tick() {
          const now = viewer.playing();
          $("#clock").textContent = now === null ? "" : stamp(now);
          if (now !== null) {
            for (const p of viewer.players.values()) {
              const w = p.wall();
              if (p.seg && w !== null && Math.abs(w - now) > 1500 * viewer.rate && !p.active.seeking) p.seek(now);
            }
          }
          for (const row of viewer.cameras) draw(row);
        }
        """#
}
