/* Capture pages: selfie camera, digit video recording, uploads with progress, status polling.
 * No dependencies. Every page works (or explains itself) without this script. */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var msgEl = $("capture-messages");
  var MSG = msgEl ? JSON.parse(msgEl.textContent) : {};
  var IMAGE_TYPES = ["image/jpeg", "image/png"];

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showError(text) {
    var el = $("client-error");
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }

  function checkImage(file, maxBytes) {
    if (!file) { return MSG.need_photo; }
    if (IMAGE_TYPES.indexOf(file.type) < 0) { return MSG.bad_type; }
    if (file.size > maxBytes) { return MSG.too_large; }
    return "";
  }

  /* POST a FormData with XMLHttpRequest so the progress bar can follow the upload. */
  function upload(url, form, onDone) {
    var bar = $("progress");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    bar.setAttribute("aria-valuetext", MSG.uploading || "");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status >= 200 && xhr.status < 300 && body.status_url) {
        bar.value = 100;
        window.location.assign(body.status_url);
        return;
      }
      bar.hidden = true;
      var error = body.error || {code: "http_" + xhr.status, message: MSG.network};
      showError(error.message);
      onDone(error);
    };
    xhr.onerror = function () {
      bar.hidden = true;
      showError(MSG.network);
      onDone({code: "network", message: MSG.network});
    };
    xhr.send(form);
  }

  function openCamera(constraints) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("no getUserMedia"));
    }
    return navigator.mediaDevices.getUserMedia(constraints);
  }

  function stopStream(stream) {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
  }

  /* ---------------------------------------------------------------- selfie */
  var BURST_FRAMES = 2, BURST_GAP_MS = 150;

  function selfiePage(form) {
    var fileInput = form.querySelector("input[type=file]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var blob = null;        // the camera snapshot, when the camera was used
    var burst = [];         // the frames taken after it (camera only; an uploaded file is one image)
    var stream = null;
    var video = $("selfie-video");
    var preview = $("preview");

    $("js-actions").hidden = false;

    function showPreview(source) {
      if (preview.src) { URL.revokeObjectURL(preview.src); }
      preview.src = URL.createObjectURL(source);
      $("preview-wrap").hidden = false;
      $("retake").hidden = false;
    }

    $("use-camera").addEventListener("click", function () {
      showError("");
      openCamera({video: {facingMode: "user", width: {ideal: 960}, height: {ideal: 1280}}, audio: false})
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          $("camera").hidden = false;
          $("preview-wrap").hidden = true;
          $("use-camera").hidden = true;
          $("snap").focus();  // the focused button just disappeared: keyboard users go on from the shutter
        })
        .catch(function () { showError(MSG.camera_denied); });
    });

    /* The largest centred 3:4 (portrait) crop of the current camera frame, as a JPEG Blob. Stored as the
     * camera saw it: only the live preview is mirrored (CSS), never the photo (badge text reads right). */
    function grab(done) {
      var vw = video.videoWidth, vh = video.videoHeight;
      var cw = Math.min(vw, Math.round(vh * 3 / 4)), ch = Math.round(cw * 4 / 3);
      var canvas = document.createElement("canvas");
      canvas.width = cw;
      canvas.height = ch;
      canvas.getContext("2d").drawImage(video, (vw - cw) / 2, (vh - ch) / 2, cw, ch, 0, 0, cw, ch);
      canvas.toBlob(done, "image/jpeg", 0.92);
    }

    $("snap").addEventListener("click", function () {
      if (!video.videoWidth || !video.videoHeight) { return; }
      // A short burst: the photo, then BURST_FRAMES more BURST_GAP_MS apart; the server checks that the
      // camera's picture is live (frames identical beyond sensor noise: a still image fed to the camera).
      var frames = [];
      $("snap").disabled = true;
      (function next() {
        grab(function (b) {
          frames.push(b);
          if (frames.length <= BURST_FRAMES) { setTimeout(next, BURST_GAP_MS); return; }
          blob = frames[0];
          burst = frames.slice(1);
          fileInput.value = "";
          showPreview(blob);
          $("camera").hidden = true;
          $("snap").disabled = false;
          stopStream(stream);
          stream = null;
          $("send").focus();  // the shutter is hidden now; the next step is sending the photo
        });
      })();
    });

    $("retake").addEventListener("click", function () {
      blob = null;
      burst = [];
      fileInput.value = "";
      $("preview-wrap").hidden = true;
      $("retake").hidden = true;
      $("use-camera").hidden = false;
      $("use-camera").click();
    });

    fileInput.addEventListener("change", function () {
      var file = fileInput.files[0];
      blob = null;
      burst = [];
      var problem = file ? checkImage(file, maxBytes) : "";
      showError(problem);
      if (file && !problem) { showPreview(file); }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = blob || fileInput.files[0];
      var problem = checkImage(blob ? new File([blob], "selfie.jpg", {type: "image/jpeg"}) : file, maxBytes);
      showError(problem);
      if (problem) { return; }
      var data = new FormData();
      data.append("selfie", file, blob ? "selfie.jpg" : file.name);
      if (blob) { burst.forEach(function (b, i) { data.append("burst", b, "burst-" + (i + 1) + ".jpg"); }); }
      $("send").disabled = true;
      upload(form.dataset.uploadUrl, data, function () { $("send").disabled = false; });
    });
  }

  /* ---------------------------------------------------------------- digit video */
  var RECORD_MS = 4000;

  function pickMime() {
    var candidates = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4"];
    for (var i = 0; i < candidates.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(candidates[i])) {
        return candidates[i];
      }
    }
    return "";
  }

  function videoPage(app) {
    var maxVideo = parseInt(app.dataset.maxVideoBytes, 10);
    var maxImage = parseInt(app.dataset.maxImageBytes, 10);
    var challenge = null;   // {challenge_id, digits, expires_at}
    var stream = null;
    var recording = null;   // Blob
    var expiryTimer = null;
    var card = $("card");

    function ready() {
      $("send").disabled = !(recording && challenge && card.files.length);
    }

    function showChallenge(c) {
      challenge = c;
      var digits = $("digits");
      digits.textContent = c.digits;
      digits.setAttribute("aria-label", c.digits.split("").join(" "));
      digits.hidden = false;
      var expires = Date.parse(c.expires_at);
      clearInterval(expiryTimer);
      var tick = function () {
        var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
        var text = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
        $("digits-expiry").textContent = (MSG.expires || "%s").replace("%s", text);
        $("digits-expiry").hidden = false;
        if (left === 0) { clearInterval(expiryTimer); challenge = null; ready(); $("get-digits").hidden = false; }
      };
      tick();
      expiryTimer = setInterval(tick, 1000);
    }

    function requestChallenge() {
      showError("");
      $("get-digits").disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", app.dataset.challengeUrl);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      return new Promise(function (resolve, reject) {
        xhr.onload = function () {
          $("get-digits").disabled = false;
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
          if (xhr.status === 201 && body.digits) { resolve(body); return; }
          var error = body.error || {message: MSG.network};
          showError(error.message);
          reject(error);
        };
        xhr.onerror = function () { $("get-digits").disabled = false; showError(MSG.network); reject(); };
        xhr.send();
      });
    }

    function ensureStream() {
      if (stream) { return Promise.resolve(stream); }
      return openCamera({video: {facingMode: "user", width: {ideal: 640}, height: {ideal: 480}}, audio: true})
        .then(function (s) {
          stream = s;
          $("live").srcObject = s;
          $("viewfinder").hidden = false;
          return s;
        });
    }

    $("get-digits").addEventListener("click", function () {
      requestChallenge()
        .then(function (c) {
          showChallenge(c);
          $("get-digits").hidden = true;
          return ensureStream().then(function () { $("record").hidden = false; $("record").focus(); },
                                     function () { showError(MSG.camera_denied); });
        })
        .catch(function () {});
    });

    function countdown(n) {
      var box = $("countdown");
      return new Promise(function (resolve) {
        box.hidden = false;
        (function step(k) {
          if (k === 0) { box.hidden = true; resolve(); return; }
          box.textContent = String(k);
          setTimeout(function () { step(k - 1); }, 1000);
        })(n);
      });
    }

    function record() {
      var mime = pickMime();
      if (!window.MediaRecorder) { showError(MSG.no_recorder); return; }
      showError("");
      $("record").disabled = true;
      $("rerecord").hidden = true;
      $("playback").hidden = true;
      $("viewfinder").hidden = false;
      ensureStream().then(function (s) {
        return countdown(3).then(function () {
          var chunks = [];
          var recorder = new MediaRecorder(s, mime ? {mimeType: mime} : undefined);
          recorder.ondataavailable = function (e) { if (e.data && e.data.size) { chunks.push(e.data); } };
          recorder.onstop = function () {
            $("rec").hidden = true;
            recording = new Blob(chunks, {type: (recorder.mimeType || mime || "video/webm").split(";")[0]});
            var playback = $("playback");
            if (playback.src) { URL.revokeObjectURL(playback.src); }
            playback.src = URL.createObjectURL(recording);
            playback.hidden = false;
            $("viewfinder").hidden = true;
            $("record").hidden = true;
            $("record").disabled = false;
            $("rerecord").hidden = false;
            playback.setAttribute("data-recorded", String(recording.size));
            ready();
          };
          $("rec").hidden = false;
          recorder.start();
          setTimeout(function () { recorder.stop(); }, RECORD_MS);
        });
      }, function () { $("record").disabled = false; showError(MSG.camera_denied); });
    }

    $("record").addEventListener("click", record);
    $("rerecord").addEventListener("click", function () { recording = null; ready(); record(); });

    card.addEventListener("change", function () {
      var problem = card.files.length ? checkImage(card.files[0], maxImage) : "";
      showError(problem);
      if (problem) { card.value = ""; }
      ready();
    });

    $("send").addEventListener("click", function () {
      if (!(recording && challenge && card.files.length)) { showError(MSG.need_video_card); return; }
      if (recording.size > maxVideo) { showError(MSG.too_large_video || MSG.too_large); return; }
      var problem = checkImage(card.files[0], maxImage);
      if (problem) { showError(problem); return; }
      var ext = recording.type.indexOf("mp4") >= 0 ? "mp4" : "webm";
      var data = new FormData();
      data.append("video", recording, "digits." + ext);
      data.append("card", card.files[0], card.files[0].name);
      data.append("challenge_id", String(challenge.challenge_id));
      $("send").disabled = true;
      upload(app.dataset.uploadUrl, data, function (error) {
        if (error && /^challenge_/.test(error.code)) {
          // The digits can no longer be used: new digits, new recording.
          challenge = null;
          recording = null;
          clearInterval(expiryTimer);  // no countdown left ticking for digits that are gone
          $("digits-expiry").hidden = true;
          $("playback").hidden = true;
          $("rerecord").hidden = true;
          $("digits").hidden = true;
          $("get-digits").hidden = false;
          $("get-digits").focus();
        }
        ready();
      });
    });
  }

  /* ---------------------------------------------------------------- status */
  /* Poll status.json until the case has an outcome. A 404/410 means the link stopped working
   * (expired or invalid) while the page was open: no later poll can succeed, so polling stops and
   * the page says why, in the page's language. Other failures (network, 5xx) are retried. */
  function statusPage(app) {
    var cooldown = parseInt(app.dataset.retryIn, 10);  // attempts used up: look again once they may retry
    if (app.dataset.done === "1") {
      if (cooldown > 0) { setTimeout(function () { window.location.reload(); }, cooldown * 1000 + 500); }
      return;
    }
    var url = app.dataset.statusUrl;
    var el = $("status-message");
    function linkGone(status) {
      var outcome = status === 410 ? "link_expired" : "link_invalid";
      el.className = "state state-link outcome-" + outcome;
      el.textContent = MSG[outcome] || "";
      $("retry").hidden = true;
    }
    function poll() {
      fetch(url, {headers: {Accept: "application/json"}, cache: "no-store"})
        .then(function (r) {
          if (r.status === 404 || r.status === 410) { linkGone(r.status); return null; }
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (info) {
          if (info === null) { return; }
          if (!info || !info.state || !info.outcome) { throw new Error("unexpected answer"); }
          el.className = "state state-" + info.state + " outcome-" + info.outcome;
          if (info.done) {
            el.textContent = info.message;
            if (info.retry_url) { $("retry-link").href = info.retry_url; }
            $("retry").hidden = !info.retry_url;  // no capture while the attempts are used up
            if (info.retry_in) { setTimeout(poll, info.retry_in * 1000 + 500); }
            return;
          }
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 4000); });
    }
    setTimeout(poll, 2000);
  }

  /* Attempts used up (the capture page shows only when they may try again): back to capturing then. */
  var cooldownNote = $("cooldown");
  if (cooldownNote && parseInt(cooldownNote.dataset.retryIn, 10) > 0) {
    setTimeout(function () { window.location.reload(); }, parseInt(cooldownNote.dataset.retryIn, 10) * 1000 + 500);
  }

  var selfieForm = $("selfie-form");
  if (selfieForm) { selfiePage(selfieForm); }
  var videoApp = $("video-app");
  if (videoApp) { videoPage(videoApp); }
  var statusApp = $("status-app");
  if (statusApp) { statusPage(statusApp); }
})();
