/* Digit-video page: camera first, then the digits; or, when the camera cannot be used, a video file.
 * Uses the helpers of capture.js (window.KycCapture), loaded before this script. No dependencies.
 *
 * Digits are asked for (POST challenge/, with the chosen reading language) only once the camera and
 * microphone are live, or when the person asks for them to record a file: no digits count down while
 * the person cannot record them. A refused camera shows why, a Retry button, and the file upload. */
(function () {
  "use strict";

  var K = window.KycCapture;
  var app = document.getElementById("video-app");
  if (!K || !app) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var MSG = K.MSG, showError = K.showError;
  var RECORD_MS = 4000;
  var VIDEO_TYPES = ["video/webm", "video/mp4", "video/quicktime"];
  var maxVideo = parseInt(app.dataset.maxVideoBytes, 10);
  var maxImage = parseInt(app.dataset.maxImageBytes, 10);
  var maxSeconds = parseInt(app.dataset.maxVideoSeconds, 10);
  var challenge = null;   // {challenge_id, digits, language, expires_at}
  var stream = null;
  var recording = null;   // a Blob recorded here, or the chosen File
  var expiryTimer = null;
  var card = $("card");
  var videoFile = $("video-file");

  function ready() {
    $("send").disabled = !(recording && challenge && card.files.length);
  }

  function language() {
    var checked = app.querySelector("input[name=digit_language]:checked");
    return checked ? checked.value : "";
  }

  /* The reading language is fixed while digits are out (they were issued for it). */
  function lockLanguage(locked) { $("digit-language").disabled = locked; }

  function pickMime() {
    var candidates = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4"];
    for (var i = 0; i < candidates.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(candidates[i])) {
        return candidates[i];
      }
    }
    return "";
  }

  function clearChallenge() {
    challenge = null;
    clearInterval(expiryTimer);  // no countdown left ticking for digits that are gone
    $("digits-expiry").hidden = true;
    $("digits").hidden = true;
    $("read-aloud").hidden = true;
    lockLanguage(false);
  }

  function showChallenge(c) {
    challenge = c;
    lockLanguage(true);
    var digits = $("digits");
    digits.textContent = c.digits;
    digits.setAttribute("aria-label", c.digits.split("").join(" "));
    digits.hidden = false;
    $("read-aloud").textContent = (MSG.read_aloud || {})[c.language] || "";
    $("read-aloud").hidden = false;
    var expires = Date.parse(c.expires_at);
    clearInterval(expiryTimer);
    var tick = function () {
      var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      var text = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      $("digits-expiry").textContent = (MSG.expires || "%s").replace("%s", text);
      $("digits-expiry").hidden = false;
      if (left === 0) { digitsGone(); }
    };
    tick();
    expiryTimer = setInterval(tick, 1000);
  }

  /* The digits expired or were used: new digits, new recording, from the path the person is on. */
  function digitsGone() {
    clearChallenge();
    recording = null;
    $("playback").hidden = true;
    $("rerecord").hidden = true;
    $("record").hidden = true;
    videoFile.value = "";
    videoFile.disabled = true;
    var again = $("file-path").hidden ? $("new-digits") : $("file-digits");
    again.hidden = false;
    again.focus();
    ready();
  }

  function requestChallenge(button) {
    showError("");
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    var data = new FormData();
    data.append("language", language());
    xhr.open("POST", app.dataset.challengeUrl);
    xhr.setRequestHeader("X-CSRFToken", K.csrf());
    xhr.setRequestHeader("Accept", "application/json");
    return new Promise(function (resolve, reject) {
      xhr.onload = function () {
        button.disabled = false;
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status === 201 && body.digits) { showChallenge(body); resolve(body); return; }
        var error = body.error || {message: MSG.network};
        showError(error.message);
        reject(error);
      };
      xhr.onerror = function () { button.disabled = false; showError(MSG.network); reject(); };
      xhr.send(data);
    });
  }

  /* Camera and microphone, both live, or a rejected promise. */
  function openStream() {
    if (stream && stream.getTracks().every(function (t) { return t.readyState === "live"; })) {
      return Promise.resolve(stream);
    }
    return K.openCamera({video: {facingMode: "user", width: {ideal: 640}, height: {ideal: 480}}, audio: true})
      .then(function (s) {
        var live = function (kind) {
          return s.getTracks().some(function (t) { return t.kind === kind && t.readyState === "live"; });
        };
        if (!live("video") || !live("audio")) { K.stopStream(s); throw new Error("no live camera and microphone"); }
        stream = s;
        $("live").srcObject = s;
        $("viewfinder").hidden = false;
        return s;
      });
  }

  function cameraFailed(error) {
    var unsupported = !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || !window.MediaRecorder;
    $("camera-error").textContent = unsupported ? MSG.camera_missing : MSG.camera_denied;
    $("camera-problem").hidden = false;
    $("camera-retry").hidden = unsupported;
    $("start-camera").hidden = true;
    $("viewfinder").hidden = true;
    $("file-path").hidden = false;
    $("file-digits").hidden = !!challenge;
    videoFile.disabled = !challenge;
    // the focused button just disappeared: keyboard users go on from Retry (or the file path)
    (unsupported ? (challenge ? videoFile : $("file-digits")) : $("camera-retry")).focus();
    return error;
  }

  /* Turn on the camera; once it is live, the digits (unless some are still out) and the record button. */
  function startCamera(button) {
    showError("");
    button.disabled = true;
    openStream().then(function () {
      button.disabled = false;
      ["camera-problem", "start-camera", "new-digits", "file-path"].forEach(function (id) { $(id).hidden = true; });
      if (recording instanceof File) { recording = null; videoFile.value = ""; ready(); }
      if (challenge) { return challenge; }
      return requestChallenge(button).catch(function (error) { $("new-digits").hidden = false; throw error; });
    }, function (error) {
      button.disabled = false;
      cameraFailed(error);
      throw error;
    }).then(function () {
      $("record").hidden = false;
      $("record").focus();
    }, function () {});
  }

  ["start-camera", "camera-retry", "new-digits"].forEach(function (id) {
    $(id).addEventListener("click", function () { startCamera($(id)); });
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
    if (!window.MediaRecorder) { cameraFailed(); return; }
    showError("");
    $("record").disabled = true;
    $("rerecord").hidden = true;
    $("playback").hidden = true;
    $("viewfinder").hidden = false;
    openStream().then(function (s) {
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
    }, function (error) { $("record").disabled = false; stream = null; cameraFailed(error); });
  }

  $("record").addEventListener("click", record);
  $("rerecord").addEventListener("click", function () { recording = null; ready(); record(); });

  /* ---- the file path: digits on request, then a video recorded elsewhere */
  $("file-digits").addEventListener("click", function () {
    requestChallenge($("file-digits")).then(function () {
      $("file-digits").hidden = true;
      videoFile.disabled = false;
      videoFile.focus();
    }, function () {});
  });

  /* The browser's view of the file: its type, size and (when it can read it) duration. The server
   * checks the content itself, whatever this says. */
  function checkVideoFile(file) {
    return new Promise(function (resolve) {
      var type = (file.type || "").split(";")[0];
      if (type && VIDEO_TYPES.indexOf(type) < 0) { resolve(MSG.bad_video_type); return; }
      if (!type && !/\.(webm|mp4|mov)$/i.test(file.name)) { resolve(MSG.bad_video_type); return; }
      if (file.size > maxVideo) { resolve(MSG.too_large_video || MSG.too_large); return; }
      var probe = document.createElement("video");
      var url = URL.createObjectURL(file);
      var done = function (problem) { URL.revokeObjectURL(url); resolve(problem); };
      probe.preload = "metadata";
      probe.onloadedmetadata = function () {
        done(isFinite(probe.duration) && probe.duration > maxSeconds + 0.5 ? MSG.video_too_long : "");
      };
      probe.onerror = function () { done(""); };  // a format this browser cannot play: the server decides
      probe.src = url;
    });
  }

  videoFile.addEventListener("change", function () {
    recording = null;
    ready();
    var file = videoFile.files[0];
    if (!file) { showError(""); return; }
    checkVideoFile(file).then(function (problem) {
      showError(problem);
      if (problem) { videoFile.value = ""; return; }
      recording = file;
      ready();
    });
  });

  card.addEventListener("change", function () {
    var problem = card.files.length ? K.checkImage(card.files[0], maxImage) : "";
    showError(problem);
    if (problem) { card.value = ""; }
    ready();
  });

  $("send").addEventListener("click", function () {
    if (!(recording && challenge && card.files.length)) {
      showError(recording instanceof File || !$("file-path").hidden ? MSG.need_video_file : MSG.need_video_card);
      return;
    }
    if (recording.size > maxVideo) { showError(MSG.too_large_video || MSG.too_large); return; }
    var problem = K.checkImage(card.files[0], maxImage);
    if (problem) { showError(problem); return; }
    var name = recording instanceof File ? recording.name : "digits." + (recording.type.indexOf("mp4") >= 0 ? "mp4" : "webm");
    var data = new FormData();
    data.append("video", recording, name);
    data.append("card", card.files[0], card.files[0].name);
    data.append("challenge_id", String(challenge.challenge_id));
    $("send").disabled = true;
    K.upload(app.dataset.uploadUrl, data, function (error) {
      if (error && /^challenge_/.test(error.code)) { digitsGone(); }
      ready();
    });
  });
})();
