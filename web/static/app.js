// Starts the chat widget (rasa-webchat, served by our own server) with the page's settings.
(function () {
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  window.WebChat.default(
    {
      socketUrl: config.socketUrl,
      socketPath: "/socket.io/",
      initPayload: "/greet",
      customData: { language: config.language }, // Rasa receives it as message metadata
      embedded: true,
      showFullScreenButton: false,
      showMessageDate: false,
      params: { storage: "local" }, // the conversation survives a reload of the page
      // The widget waits 30 ms a character (up to 3 s) before showing each message, so a turn
      // took 10 s to appear and a reload meanwhile lost what was still waiting. A short pause
      // is enough to read the messages in order.
      customMessageDelay: function () {
        return 250;
      },
      title: config.title,
      subtitle: config.subtitle,
      inputTextFieldHint: config.inputHint,
      connectingText: config.connecting,
    },
    null
  );
})();
