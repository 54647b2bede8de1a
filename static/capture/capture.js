/* Capture pages: selfie camera, uploads with progress, status polling (the digit video: video.js).
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

  /* the digit-video page's script (video.js) uses the same helpers */
  window.KycCapture = {MSG: MSG, csrf: csrf, showError: showError, checkImage: checkImage, upload: upload,
                       openCamera: openCamera, stopStream: stopStream};

  var selfieForm = $("selfie-form");
  if (selfieForm) { selfiePage(selfieForm); }
  var statusApp = $("status-app");
  if (statusApp) { statusPage(statusApp); }
})();
