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
      theme: {
        // A shade darker than the pages' #0f6cbd: Redoc draws the schemas' constraints ("<= 128
        // characters") in the primary colour at 90% opacity on a 5% tint of it, which with #0f6cbd
        // falls short of the 4.5:1 contrast WCAG asks for (4.3:1); #115ea3 gives about 5:1.
        colors: { primary: { main: '#115ea3' } },
        // Samples wrap instead of scrolling sideways: Redoc's scrolling <pre> cannot take the
        // keyboard focus, so a keyboard user could not read the end of a long line.
        typography: { code: { wrap: true } },
      },
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
