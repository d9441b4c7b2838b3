// The verification page: check a file without uploading it. The browser computes the file's
// SHA-256 with Web Crypto and opens /verify/hash/<hex>/; only the fingerprint leaves the
// computer. Without this script (or without Web Crypto, which needs a secure context) the
// section stays hidden and the upload form does the same job.
(function () {
  "use strict";
  var section = document.getElementById("by-hash");
  if (!section || !window.crypto || !window.crypto.subtle || !window.FileReader) {
    return;
  }
  var form = document.getElementById("hash-form");
  var input = document.getElementById("hash-file");
  var status = document.getElementById("hash-status");
  var maxBytes = parseInt(section.getAttribute("data-max-bytes"), 10) || 0;
  var template = section.getAttribute("data-hash-url"); // ends in 64 zeros and a slash

  function say(text) {
    status.textContent = text;
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += ("0" + bytes[i].toString(16)).slice(-2);
    }
    return out;
  }

  function read(file) {
    if (file.arrayBuffer) {
      return file.arrayBuffer();
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(file);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = input.files && input.files[0];
    if (!file) {
      input.focus();
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      say(section.getAttribute("data-too-large"));
      return;
    }
    say(section.getAttribute("data-working"));
    read(file)
      .then(function (buffer) { return window.crypto.subtle.digest("SHA-256", buffer); })
      .then(function (digest) {
        window.location.assign(template.replace(/0{64}\/$/, hex(digest) + "/"));
      })
      .catch(function () { say(section.getAttribute("data-failed")); });
  });

  section.hidden = false;
})();
