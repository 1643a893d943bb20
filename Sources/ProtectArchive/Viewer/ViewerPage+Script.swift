extension ViewerPage {
    /// The page's code: timelines drawn on canvases from what is on screen only, and players that go from one hour
    /// file to the next (the next one loaded ahead in a second video element).
    static let script = #"""
        "use strict";
        const $ = (s) => document.querySelector(s);
        const HOUR = 3600000;
        const viewer = { zone: 0, cameras: [], view: null, players: new Map(), selection: null, rate: 1, paused: false };
        window.viewer = viewer;

        function pad(n, w = 2) { return String(n).padStart(w, "0"); }
        function local(ms) { return new Date(ms + viewer.zone * 1000); }
        function stamp(ms) {
          const d = local(ms);
          return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
            `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
        }
        async function get(url) {
          const r = await fetch(url, { credentials: "same-origin" });
          if (!r.ok) throw new Error(`${url}: ${r.status}`);
          return r.json();
        }

        // Timelines ---------------------------------------------------------------------------------------------
        const STEPS = [60e3, 300e3, 900e3, HOUR, 3 * HOUR, 6 * HOUR, 86400e3, 7 * 86400e3, 30 * 86400e3, 365 * 86400e3];
        function xFor(canvas, ms) {
          const v = viewer.view;
          return (ms - v.from) / (v.to - v.from) * canvas.clientWidth;
        }
        viewer.xFor = (id, ms) => xFor(document.querySelector(`.camera[data-id="${id}"] canvas`), ms);
        function msAt(canvas, x) {
          const v = viewer.view;
          return Math.round(v.from + x / canvas.clientWidth * (v.to - v.from));
        }
        function draw(row) {
          const canvas = row.canvas, data = row.data;
          const w = canvas.clientWidth, h = canvas.clientHeight;
          canvas.width = w; canvas.height = h;
          const g = canvas.getContext("2d");
          g.clearRect(0, 0, w, h);
          if (data) {
            for (const [s, e, archived, empty, failed, missing] of data.buckets) {
              const total = archived + empty + failed + missing;
              if (total === 0) continue;
              const top = Math.max(archived, empty, failed, missing);
              g.fillStyle = top === archived ? "#3a8f4a" : top === failed ? "#c0392b" : top === missing ? "#d68910" : "#555";
              const x0 = xFor(canvas, s), x1 = xFor(canvas, e);
              g.fillRect(x0, 14, Math.max(1, x1 - x0), h - 14);
            }
            g.fillStyle = "#5dade2";
            for (const [s] of data.events) g.fillRect(xFor(canvas, Number(s)), 14, 2, 8);
          }
          // Ticks: the first step giving at most ~8 labels across.
          const span = viewer.view.to - viewer.view.from;
          const step = STEPS.find((s) => span / s <= 8) || STEPS[STEPS.length - 1];
          g.fillStyle = "#888"; g.font = "10px sans-serif";
          const first = Math.ceil((viewer.view.from + viewer.zone * 1000) / step) * step - viewer.zone * 1000;
          for (let t = first; t < viewer.view.to; t += step) {
            const x = xFor(canvas, t);
            g.fillRect(x, 0, 1, 12);
            const text = step >= 86400e3 ? stamp(t).slice(0, 10) : stamp(t).slice(step >= HOUR ? 5 : 11, 16);
            g.fillText(text, x + 2, 10);
          }
          if (viewer.selection && viewer.selection.camera === row.id) {
            g.fillStyle = "rgba(255,255,255,.25)";
            const a = xFor(canvas, viewer.selection.from), b = xFor(canvas, viewer.selection.to);
            g.fillRect(a, 0, b - a, h);
          }
          const now = viewer.playing();
          if (now !== null) { g.fillStyle = "#fff"; g.fillRect(xFor(canvas, now), 0, 2, h); }
        }
        let fetchTimer = null;
        function refresh() {
          const v = viewer.view;
          $("#view").textContent = `${stamp(v.from)} – ${stamp(v.to)}`;
          for (const row of viewer.cameras) draw(row);
          clearTimeout(fetchTimer);
          fetchTimer = setTimeout(() => {
            for (const row of viewer.cameras) if (row.visible) load(row);
          }, 120);
        }
        async function load(row) {
          const v = viewer.view, key = `${v.from}-${v.to}-${row.canvas.clientWidth}`;
          if (row.key === key) return;
          row.key = key;
          const buckets = Math.max(1, Math.floor(row.canvas.clientWidth / 2));
          const data = await get(`/api/timeline?camera=${encodeURIComponent(row.id)}&from=${v.from}&to=${v.to}&buckets=${buckets}`);
          if (row.key === key) { row.data = data; draw(row); row.canvas.dataset.loaded = key; }
        }
        function zoom(factor, at) {
          const v = viewer.view;
          const center = at ?? (v.from + v.to) / 2;
          const span = Math.min(20 * 365 * 86400e3, Math.max(60e3, (v.to - v.from) * factor));
          const ratio = (center - v.from) / (v.to - v.from);
          viewer.view = { from: Math.round(center - span * ratio), to: Math.round(center - span * ratio + span) };
          refresh();
        }
        viewer.setView = (from, to) => { viewer.view = { from, to }; refresh(); };

        function addCamera(camera) {
          const row = { id: camera.id, name: camera.name, data: null, visible: false };
          const el = document.createElement("div");
          el.className = "camera"; el.dataset.id = camera.id;
          el.innerHTML = `<img alt=""><span class="name"></span><canvas></canvas>`;
          el.querySelector(".name").textContent = camera.name;
          el.querySelector("img").src = `/still/${encodeURIComponent(camera.id)}`;
          row.canvas = el.querySelector("canvas");
          $("#cameras").appendChild(el);
          let down = null;
          row.canvas.addEventListener("mousedown", (e) => { down = { x: e.offsetX, view: viewer.view, shift: e.shiftKey }; });
          row.canvas.addEventListener("mousemove", (e) => {
            if (!down) return;
            if (down.shift) {
              const a = msAt(row.canvas, down.x), b = msAt(row.canvas, e.offsetX);
              viewer.selection = { camera: row.id, from: Math.min(a, b), to: Math.max(a, b) };
              $("#save").disabled = false;
              $("#selection").textContent = `${row.name}: ${stamp(viewer.selection.from)} – ${stamp(viewer.selection.to)}`;
              draw(row);
            } else if (Math.abs(e.offsetX - down.x) > 3) {
              const shift = (e.offsetX - down.x) / row.canvas.clientWidth * (down.view.to - down.view.from);
              viewer.view = { from: Math.round(down.view.from - shift), to: Math.round(down.view.to - shift) };
              down.moved = true;
              refresh();
            }
          });
          row.canvas.addEventListener("mouseup", (e) => {
            if (down && !down.moved && !down.shift) play(row, msAt(row.canvas, e.offsetX));
            down = null;
          });
          row.canvas.addEventListener("wheel", (e) => {
            e.preventDefault();
            zoom(e.deltaY > 0 ? 1.5 : 1 / 1.5, msAt(row.canvas, e.offsetX));
          }, { passive: false });
          new IntersectionObserver((entries) => {
            row.visible = entries.some((x) => x.isIntersecting);
            if (row.visible) load(row);
          }).observe(el);
          viewer.cameras.push(row);
        }
        \#(playerScript)
        async function start() {
          const overview = await get("/api/cameras");
          viewer.zone = overview.offsetSeconds;
          const last = Math.max(...overview.cameras.map((c) => c.last || 0), Date.now() - 86400e3);
          viewer.view = { from: last - 86400e3, to: last };
          for (const camera of overview.cameras) addCamera(camera);
          $("#zoom-in").onclick = () => zoom(1 / 2);
          $("#zoom-out").onclick = () => zoom(2);
          $("#speed").onchange = (e) => viewer.setRate(Number(e.target.value));
          $("#pause").onclick = () => viewer.togglePause();
          $("#save").onclick = () => {
            const s = viewer.selection;
            if (s) location.href = `/api/clip?camera=${encodeURIComponent(s.camera)}&from=${s.from}&to=${s.to}`;
          };
          window.addEventListener("resize", refresh);
          refresh();
          setInterval(tick, 250);
          document.body.dataset.ready = "1";
        }
        start();
        """#
}
