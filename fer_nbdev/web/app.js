// The page of fer_serve: photos and camera frames go to POST /predict; faces are boxed and their 7 probabilities drawn.
'use strict';
const $ = id => document.getElementById(id);
const COLORS = ['#43a047', '#fb8c00', '#1e88e5', '#e53935', '#8e24aa', '#00acc1', '#fdd835'];
let classes = ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise'];  // replaced by the server's
// What the page has done, for a person reading the console and for scripts/check_serve.py.
const state = window.ferServe = {photos: 0, faces: 0, errors: 0, frames: 0, cameraFaces: 0, lastError: null};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function post(body, type) {
  const r = await fetch('/predict', {method: 'POST', body, headers: type ? {'Content-Type': type} : {}});
  const j = await r.json().catch(() => ({error: `the server answered ${r.status} without JSON`}));
  if (!r.ok) throw new Error(j.error || `the server answered ${r.status}`);
  return j;
}

function drawFaces(ctx, faces, scale) {
  const font = Math.max(12, Math.round(ctx.canvas.width / 45));
  ctx.font = `600 ${font}px system-ui, sans-serif`;
  ctx.lineWidth = Math.max(2, ctx.canvas.width / 320);
  faces.forEach((f, i) => {
    const [x, y, w, h] = f.box.map(v => v * scale), color = COLORS[i % COLORS.length];
    const text = `${i + 1} ${f.label} ${Math.round(100 * f.probs[f.label])}%`;
    ctx.strokeStyle = color; ctx.strokeRect(x, y, w, h);
    const tw = ctx.measureText(text).width + 8, ty = y - font - 6 >= 0 ? y - font - 6 : y + h;
    ctx.fillStyle = color; ctx.fillRect(x, ty, tw, font + 6);
    ctx.fillStyle = '#000'; ctx.fillText(text, x + 4, ty + font + 1);
  });
}

function bars(faces) {
  const box = el('div', 'faces');
  faces.forEach((f, i) => {
    const face = el('div', 'face');
    face.style.setProperty('--face', COLORS[i % COLORS.length]);
    face.append(el('h4', '', `Face ${i + 1}: ${f.label}`));
    for (const c of classes) {
      const p = f.probs[c] ?? 0, row = el('div', c === f.label ? 'bar top' : 'bar'), track = el('div', 'track');
      const fill = el('div', 'fill'); fill.style.width = `${(100 * p).toFixed(1)}%`; track.append(fill);
      row.append(el('span', 'name', c), track, el('span', 'value', `${(100 * p).toFixed(1)}%`));
      face.append(row);
    }
    box.append(face);
  });
  return box;
}

async function showPhoto(file) {
  const card = el('div', 'result'), side = el('div');
  side.append(el('h3', '', file.name || 'photo'));
  $('results').prepend(card);
  let bitmap = null;
  try { bitmap = await createImageBitmap(file); } catch (e) { /* the browser cannot show it; the server may read it */ }
  try {
    const form = new FormData(); form.append('file', file, file.name || 'photo');
    const res = await post(form);
    if (bitmap) {
      const scale = Math.min(1, 1280 / Math.max(res.width, res.height)), canvas = el('canvas');
      canvas.width = Math.round(res.width * scale); canvas.height = Math.round(res.height * scale);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      drawFaces(ctx, res.faces, scale);
      card.append(canvas);
    }
    side.append(res.faces.length ? bars(res.faces) : el('p', 'note', 'No face found in this photo.'));
    state.photos++; state.faces += res.faces.length;
  } catch (e) {
    side.append(el('p', 'error', e.message)); state.errors++; state.lastError = e.message;
  }
  card.append(side);
}

async function showPhotos(files) {
  for (const f of files) await showPhoto(f);  // one at a time: the server's workers are shared
}

// The camera: one frame in flight at a time; frames that arrive meanwhile are dropped, not queued.
const cam = {stream: null, busy: false, sent: 0, t0: 0, grab: document.createElement('canvas')};

async function sendFrame() {
  const video = $('video'), w = video.videoWidth, h = video.videoHeight;
  if (!cam.stream || cam.busy || !w) return;
  cam.busy = true;
  const scale = Math.min(1, 640 / Math.max(w, h)), t = performance.now();
  cam.grab.width = Math.round(w * scale); cam.grab.height = Math.round(h * scale);
  cam.grab.getContext('2d').drawImage(video, 0, 0, cam.grab.width, cam.grab.height);
  try {
    const blob = await new Promise(ok => cam.grab.toBlob(ok, 'image/jpeg', 0.85));
    const res = await post(blob, 'image/jpeg');
    if (!cam.stream) return;
    const overlay = $('overlay');
    overlay.width = video.clientWidth; overlay.height = video.clientHeight;
    const ctx = overlay.getContext('2d');
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    drawFaces(ctx, res.faces, overlay.width / res.width);
    $('cam-bars').replaceChildren(bars(res.faces));
    state.frames++; state.cameraFaces += res.faces.length; cam.sent++;
    const fps = cam.sent / ((performance.now() - cam.t0) / 1000);
    $('cam-status').textContent = `${fps.toFixed(1)} frames/s, ${Math.round(performance.now() - t)} ms each · ` +
      `${res.faces.length} face${res.faces.length === 1 ? '' : 's'}`;
  } catch (e) {
    $('cam-status').textContent = e.message; state.errors++; state.lastError = e.message;
  } finally { cam.busy = false; }
}

function camLoop() {
  if (!cam.stream) return;
  sendFrame();
  setTimeout(camLoop, 15);
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    $('cam-status').textContent = 'This browser gives no camera here: open the page as http://127.0.0.1 or over https.';
    return;
  }
  try {
    const size = {width: {ideal: 640}, height: {ideal: 480}};
    cam.stream = await navigator.mediaDevices.getUserMedia({video: size, audio: false});
  } catch (e) {
    $('cam-status').textContent = `No camera: ${e.message}`; return;
  }
  const video = $('video');
  video.srcObject = cam.stream; await video.play();
  cam.sent = 0; cam.t0 = performance.now();
  $('cam-start').disabled = true; $('cam-stop').disabled = false;
  $('cam-status').textContent = 'waiting for the first frame…';
  camLoop();
}

function stopCamera() {
  if (cam.stream) cam.stream.getTracks().forEach(t => t.stop());
  cam.stream = null; $('video').srcObject = null;
  const overlay = $('overlay'); overlay.getContext('2d').clearRect(0, 0, overlay.width, overlay.height);
  $('cam-start').disabled = false; $('cam-stop').disabled = true; $('cam-status').textContent = '';
}

function showTab(name) {
  for (const t of ['photos', 'camera']) {
    $(t).hidden = t !== name; $(`tab-${t}`).classList.toggle('active', t === name);
  }
  if (name !== 'camera') stopCamera();
}

async function init() {
  $('tab-photos').onclick = () => showTab('photos');
  $('tab-camera').onclick = () => showTab('camera');
  $('cam-start').onclick = startCamera;
  $('cam-stop').onclick = stopCamera;
  $('files').onchange = e => { showPhotos([...e.target.files]); e.target.value = ''; };
  const drop = $('drop');
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, e => { e.preventDefault(); drop.classList.add('over'); });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault(); drop.classList.remove('over');
    showPhotos([...e.dataTransfer.files].filter(f => f.type.startsWith('image/') || !f.type));
  });
  window.addEventListener('dragover', e => e.preventDefault());  // a photo dropped beside the zone is not opened
  window.addEventListener('drop', e => e.preventDefault());
  const h = await (await fetch('/health')).json();
  classes = h.classes;
  $('model-name').textContent = `${h.model.name} (sha256 ${h.model.sha256.slice(0, 12)}…)`;
  $('limits').textContent = `jpg, png, webp, … up to ${h.max_mb} MiB and ${h.max_mp} megapixels each`;
}

init();
