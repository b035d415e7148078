// Renders the API reference at /_emulator/docs with the vendored Redoc bundle
// (assets/vendor/README.md). A file of its own: the page's Content-Security-Policy runs no inline
// script.
(function () {
  'use strict';
  var root = document.getElementById('redoc');
  var specUrl = root.getAttribute('data-spec-url');
  Redoc.init(
    specUrl,
    {
      expandResponses: '200,201',
      jsonSampleExpandLevel: 3,
      pathInMiddlePanel: true,
      requiredPropsFirst: true,
      theme: { colors: { primary: { main: '#0f6cbd' } } },
    },
    root,
    function (error) {
      if (error) {
        root.setAttribute('data-state', 'failed');
        root.textContent = 'The API reference could not be rendered: ' + error + '. The document itself is at ' + specUrl + '.';
      } else {
        root.setAttribute('data-state', 'rendered');
      }
    }
  );
})();
