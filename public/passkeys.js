/*
 * Passkeys in the browser (SPEC section 6): "Sign in with a passkey" (views/passkey-signin.eta)
 * and "Add a passkey" (views/account-passkeys.eta). Both are hidden in the page and shown here
 * only when the browser has WebAuthn, so a page without JavaScript offers only the ways in that
 * work without it. Uses @simplewebauthn/browser's bundle (window.SimpleWebAuthnBrowser), loaded
 * before this file. No framework, no inline script: the pages' CSP allows scripts from this site only.
 */
(function () {
  'use strict';
  // The sign-in partial and the account list may both be on a page: one set of listeners.
  if (window.gatehousePasskeys) return;
  window.gatehousePasskeys = true;

  var webauthn = window.SimpleWebAuthnBrowser;

  function supported() {
    return typeof window.PublicKeyCredential === 'function' && webauthn !== undefined && webauthn.browserSupportsWebAuthn();
  }

  /** Only a path on this site; the server sends nothing else, but the script does not rely on it. */
  function localPath(value, fallback) {
    return typeof value === 'string' && value.charAt(0) === '/' && value.charAt(1) !== '/' && value.charAt(1) !== '\\' ? value : fallback;
  }

  /**
   * Loads the page at `target`. To the page the reader is on, with only a fragment added (the
   * gate's "#continue-reading", the account page's "#passkeys"), assigning would just scroll:
   * the page is loaded again instead, now signed in or listing the new passkey.
   */
  function go(target) {
    var url = new URL(target, window.location.href);
    var here = window.location;
    if (url.pathname === here.pathname && url.search === here.search) {
      if (url.hash && url.hash !== here.hash) history.replaceState(null, '', url.hash);
      window.location.reload();
    } else {
      window.location.assign(url.href);
    }
  }

  function failure(message, signIn) {
    var error = new Error(message);
    error.gatehouse = true;
    error.signIn = signIn;
    return error;
  }

  /**
   * The page's words for what happens in the browser, from the catalog in the LOCALE's
   * language (views/passkey-texts.eta puts them on the element as data-text-* attributes):
   * nothing reader-facing is written in this file.
   */
  function textsOf(element) {
    function text(name) {
      return element.getAttribute('data-text-' + name) || '';
    }
    return {
      failed: text('failed'),
      cancelled: text('cancelled'),
      alreadyHeld: text('already-held'),
      offline: text('offline'),
      unsupported: text('unsupported'),
      signInAgain: text('sign-in-again'),
    };
  }

  /** POSTs JSON with the page's CSRF token; rejects with the server's own message on a 4xx or 5xx. */
  function post(url, csrfToken, texts, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) throw failure(typeof data.error === 'string' && data.error ? data.error : texts.failed, data.signIn);
          return data;
        });
    });
  }

  /** What to tell the reader about an error from the browser's prompt or from the server. */
  function messageOf(error, texts) {
    if (error && error.gatehouse) return error.message;
    var name = error && error.name;
    if (name === 'NotAllowedError' || name === 'AbortError') return texts.cancelled;
    if (name === 'InvalidStateError') return texts.alreadyHeld;
    if (error instanceof TypeError) return texts.offline;
    return texts.unsupported;
  }

  /** Writes into the element's live region (role=alert), so screen readers announce it. */
  function show(region, error, texts) {
    region.textContent = messageOf(error, texts);
    if (error && error.signIn) {
      var link = document.createElement('a');
      link.href = localPath(error.signIn, '/signin');
      link.textContent = texts.signInAgain;
      region.appendChild(document.createTextNode(' '));
      region.appendChild(link);
    }
  }

  function setUpSignIn(box) {
    var button = box.querySelector('[data-passkey-signin-button]');
    var region = box.querySelector('[data-passkey-message]');
    var texts = textsOf(box);
    box.hidden = false;
    button.addEventListener('click', function () {
      var csrf = box.getAttribute('data-csrf');
      button.disabled = true;
      region.textContent = '';
      post('/signin/passkey/options', csrf, texts)
        .then(function (options) {
          return webauthn.startAuthentication({ optionsJSON: options });
        })
        .then(function (response) {
          return post('/signin/passkey', csrf, texts, { response: response, returnTo: box.getAttribute('data-return-to') || '/' });
        })
        .then(function (result) {
          go(localPath(result.redirect, '/'));
        })
        .catch(function (error) {
          button.disabled = false;
          show(region, error, texts);
        });
    });
  }

  function setUpAdd(form) {
    var button = form.querySelector('button[type="submit"]');
    var region = form.querySelector('[data-passkey-message]');
    var texts = textsOf(form);
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var csrf = form.getAttribute('data-csrf');
      var name = form.elements.namedItem('name').value.trim();
      button.disabled = true;
      region.textContent = '';
      post('/account/passkeys/options', csrf, texts)
        .then(function (options) {
          return webauthn.startRegistration({ optionsJSON: options });
        })
        .then(function (response) {
          return post('/account/passkeys', csrf, texts, name ? { response: response, name: name } : { response: response });
        })
        .then(function (result) {
          // The account page again, listing the new passkey.
          go(localPath(result.redirect, '/account'));
        })
        .catch(function (error) {
          button.disabled = false;
          show(region, error, texts);
        });
    });
  }

  function start() {
    if (!supported()) return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-signin]'), setUpSignIn);
    Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-add]'), setUpAdd);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
