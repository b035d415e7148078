// Renders the API reference at /_emulator/docs with the vendored Redoc bundle
// (assets/vendor/README.md). A file of its own: the page's Content-Security-Policy runs no inline
// script.
(function () {
  'use strict';
  // Nothing on this page comes from another host. Redoc's sidebar shows Redocly's logo from
  // cdn.redoc.ly, and no option turns it off: an image Redoc points at another origin gets an
  // empty one instead, before the browser asks for it. Redoc then leaves the logo out, as it does
  // when the logo cannot load. (The page's Content-Security-Policy would block the request; this
  // keeps the browser from trying, and the console free of the violation.)
  // An image's address is set either as its `src` property or as the attribute: both are watched.
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
  Object.defineProperty(HTMLImageElement.prototype, 'src', {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, offOrigin(value) ? 'data:,' : value);
    },
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === 'src' && offOrigin(value)) {
      value = 'data:,';
    }
    return setAttribute.call(this, name, value);
  };
  function offOrigin(url) {
    try {
      var parsed = new URL(String(url), location.href);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin !== location.origin;
    } catch (e) {
      return false;
    }
  }
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
