/* Shrinks the photos chosen for a declaration on the phone before they are sent: a camera's
   4-6 MB picture becomes a ~300 KB JPEG at most 1600 px on its long side, so a weak village
   signal sends it. ES5 for old WebViews; where the phone lacks what it needs (canvas,
   DataTransfer), the photos go as they are and the server checks and shrinks them anyway. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var input = document.getElementById("photos");
  if (!input || !window.FileReader || !window.DataTransfer || !window.Blob) { return; }
  var canvas = document.createElement("canvas");
  if (!canvas.toBlob) { return; }

  function shrink(file, done) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { done(file); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { done(file); return; }
          done(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.8);
      };
      image.onerror = function () { done(file); };
      image.src = reader.result;
    };
    reader.onerror = function () { done(file); };
    reader.readAsDataURL(file);
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    var out = [];
    var left = files.length;
    if (!left || input.getAttribute("data-shrunk") === "1") { input.removeAttribute("data-shrunk"); return; }
    files.forEach(function (file, index) {
      shrink(file, function (result) {
        out[index] = result;
        left -= 1;
        if (left === 0) {
          try {
            var transfer = new DataTransfer();
            out.forEach(function (f) { transfer.items.add(f); });
            input.setAttribute("data-shrunk", "1");
            input.files = transfer.files;
          } catch (e) { /* keep the originals */ }
        }
      });
    });
  });
}());
