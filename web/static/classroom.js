// The classroom screen shows the phones' votes as they come in by reloading every 5 s, but not
// while a voice note is playing: the trainer plays the situation to the room.
(function () {
  setInterval(function () {
    var playing = Array.prototype.some.call(document.querySelectorAll("audio"), function (audio) {
      return !audio.paused && !audio.ended;
    });
    if (!playing) {
      window.location.reload();
    }
  }, 5000);
})();
