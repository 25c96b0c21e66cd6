// Starts the chat widget (rasa-webchat, served by our own server) with the page's settings.
(function () {
  // A voice note (trainer/audio.py) comes as {"audio": url, "label": ...}: the widget hands any
  // message it has no type for to this component. React is the page's react.js, the same major
  // version as the widget's own, so the elements made here render inside the widget.
  function VoiceNote(props) {
    if (!props.audio) {
      return null;
    }
    return window.React.createElement(
      "div",
      { className: "voice-note" },
      window.React.createElement("audio", {
        controls: true,
        preload: "none", // nothing is fetched until the trainee taps play: poor connections
        src: props.audio,
        "aria-label": props.label,
        title: props.label,
      })
    );
  }

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  window.WebChat.default(
    {
      // The session token this page was given: Rasa files the conversation under it.
      socketUrl: config.socketUrl + "/?token=" + encodeURIComponent(config.sessionToken),
      socketPath: "/socket.io/",
      initPayload: "/greet",
      // Rasa receives these as message metadata; a chosen language is not asked again.
      customData: { language: config.language, language_chosen: config.languageChosen },
      embedded: true,
      customComponent: VoiceNote,
      showFullScreenButton: false,
      showMessageDate: false,
      params: { storage: "local" }, // the conversation survives a reload of the page
      // The widget's default waits 30 ms a character (up to 3 s) before showing each message:
      // a turn took 10 s to appear, and a reload meanwhile lost what was still waiting (the
      // widget saves a message only once shown). Show each message as it arrives; "repeat"
      // says a turn again if a reload came before Rasa had answered.
      customMessageDelay: function () {
        return 0;
      },
      title: config.title,
      subtitle: config.subtitle,
      inputTextFieldHint: config.inputHint,
      connectingText: config.connecting,
    },
    null
  );
})();
