/* 朗读: reads the page aloud with the phone's own speech synthesis (zh-CN), where the browser
   has it. The pages never need this script: without it (or without speech) the button stays
   hidden. Plain ES5 for old Android WebViews. */
(function () {
  "use strict";
  var button = document.getElementById("read-aloud");
  if (!button || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var synth = window.speechSynthesis;
    if (synth.speaking) {
      synth.cancel();
      return;
    }
    var main = document.getElementById("main");
    var utterance = new window.SpeechSynthesisUtterance(main ? main.innerText : "");
    utterance.lang = document.documentElement.lang || "zh-CN";
    utterance.rate = 0.9;
    synth.speak(utterance);
  });
})();
