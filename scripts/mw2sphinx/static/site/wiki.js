/* The wiki's reader tools on the web site: random page and link previews.
 *
 * The data (article addresses, page extracts) is written by mw2sphinx.sphinxext into
 * _static as scripts calling wikiData(name, value); they are loaded when first needed,
 * with <script> elements, so that the site also works from file:// URLs.
 */
"use strict";

(() => {
  const script = document.currentScript;
  const settings = script ? script.dataset : {};
  const staticURL = new URL(".", script ? script.src : location.href);
  const contentRoot = document.documentElement.dataset.content_root;
  const rootURL = contentRoot
    ? new URL(contentRoot, location.href)
    : new URL("..", staticURL);

  // --- data files -------------------------------------------------------------------------
  const waiting = {};
  const loaded = {};
  window.wikiData = (name, value) => {
    loaded[name] = value;
    (waiting[name] || []).forEach((resolve) => resolve(value));
    delete waiting[name];
  };
  const requested = {};
  const load = (name, file) => {
    if (name in loaded) return Promise.resolve(loaded[name]);
    const promise = new Promise((resolve, reject) => {
      (waiting[name] = waiting[name] || []).push(resolve);
      if (!requested[name]) {
        requested[name] = true;
        const element = document.createElement("script");
        element.src = new URL(file, staticURL).href;
        element.onerror = () => reject(new Error(`cannot load ${file}`));
        document.head.appendChild(element);
      }
    });
    return promise;
  };

  /** A page's address relative to the site root, the same for every link to it. */
  const pageKey = (address) => {
    const url = new URL(address, location.href);
    if (url.origin !== rootURL.origin || !url.pathname.startsWith(rootURL.pathname)) {
      return null;
    }
    let path = url.pathname.slice(rootURL.pathname.length);
    try {
      path = decodeURIComponent(path);
    } catch (error) {
      return null;
    }
    return path.replace(/(^|\/)index\.html$/, "$1");
  };
  const here = pageKey(location.href);

  // --- random page --------------------------------------------------------------------------
  const randomKey = settings.randomPage ? pageKey(new URL(settings.randomPage, rootURL)) : null;

  const goToRandomArticle = (replace) =>
    load("articles", settings.articles).then((articles) => {
      const choices = articles.filter((address) => pageKey(new URL(address, rootURL)) !== here);
      const pool = choices.length ? choices : articles;
      if (!pool.length) return;
      const target = new URL(pool[Math.floor(Math.random() * pool.length)], rootURL);
      if (replace) location.replace(target.href);
      else location.assign(target.href);
    });

  if (randomKey !== null) {
    if (here === randomKey) goToRandomArticle(true);
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a[href]");
      if (!link || event.defaultPrevented || event.button !== 0) return;
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      if (pageKey(link.href) !== randomKey) return;
      event.preventDefault();
      goToRandomArticle(false);
    });
  }

  // --- link previews ------------------------------------------------------------------------
  if (!settings.previews) return;
  const SHOW_DELAY = 300;
  const AREAS = '[role="main"], .wiki-pageinfo';
  let previews = null; // page key -> [title, text]
  let card = null;
  let current = null;
  let timer = null;

  const previewsReady = () =>
    previews
      ? Promise.resolve(previews)
      : load("previews", settings.previews).then((data) => {
          previews = {};
          for (const [address, entry] of Object.entries(data)) {
            previews[pageKey(new URL(address, rootURL))] = entry;
          }
          return previews;
        });

  const previewable = (link) => {
    if (!link.closest(AREAS) || link.classList.contains("headerlink")) return false;
    if (!link.classList.contains("internal")) return false;
    const key = pageKey(link.href);
    return key !== null && key !== here && key !== randomKey;
  };

  const hide = () => {
    clearTimeout(timer);
    timer = null;
    current = null;
    if (card) card.hidden = true;
  };

  const show = (link, entry) => {
    if (!card) {
      card = document.createElement("div");
      card.className = "wiki-preview";
      card.id = "wiki-preview";
      card.setAttribute("role", "tooltip");
      card.append(document.createElement("p"), document.createElement("p"));
      card.firstChild.className = "wiki-preview-title";
      card.lastChild.className = "wiki-preview-text";
      document.body.appendChild(card);
    }
    card.firstChild.textContent = entry[0];
    card.lastChild.textContent = entry[1];
    card.hidden = false;
    const box = link.getBoundingClientRect();
    const width = card.offsetWidth;
    const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    const below = box.bottom + 6;
    const top = below + card.offsetHeight > window.innerHeight && box.top > card.offsetHeight + 6
      ? box.top - card.offsetHeight - 6
      : below;
    card.style.left = `${left + window.scrollX}px`;
    card.style.top = `${top + window.scrollY}px`;
    link.setAttribute("aria-describedby", card.id);
  };

  const schedule = (link) => {
    if (link === current) return;
    hide();
    current = link;
    timer = setTimeout(() => {
      previewsReady()
        .then((data) => {
          const entry = data[pageKey(link.href)];
          if (entry && current === link) show(link, entry);
        })
        .catch(() => {}); // no previews: links work as before
    }, SHOW_DELAY);
  };

  const leave = (event) => {
    const link = event.target.closest && event.target.closest("a[href]");
    if (link && link === current && !link.contains(event.relatedTarget)) {
      link.removeAttribute("aria-describedby");
      hide();
    }
  };
  const enter = (event) => {
    const link = event.target.closest && event.target.closest("a[href]");
    if (link && previewable(link)) schedule(link);
  };
  document.addEventListener("mouseover", enter);
  document.addEventListener("focusin", enter);
  document.addEventListener("mouseout", leave);
  document.addEventListener("focusout", leave);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });
  // A shown card no longer sits by its link; a pending one is placed when it shows.
  window.addEventListener("scroll", () => card && !card.hidden && hide(), { passive: true });
})();
