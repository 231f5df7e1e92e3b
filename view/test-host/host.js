// A minimal MCP Apps host for the browser test (tests/server/test_app_browser.py), on the ext-apps host side
// (`AppBridge`). It renders a view's HTML in a sandboxed iframe under the CSP the spec derives from the
// resource's `_meta.ui.csp`, and hands every tool call the view makes to `window.hostCallTool`, which the
// test provides (it forwards the call to the running MCP server). Chat messages the view sends are kept in
// `messages`, as a chat would add them. Nothing here is shipped to users.

import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

/** The CSP of the spec's "CSP Construction from Metadata" (SEP-1865, Security Implications). */
function cspFor(csp) {
  const resources = (csp?.resourceDomains ?? []).join(" ");
  const connect = (csp?.connectDomains ?? []).join(" ");
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources}`,
    `style-src 'self' 'unsafe-inline' ${resources}`,
    `connect-src 'self' ${connect}`,
    `img-src 'self' data: ${resources}`,
    `font-src 'self' ${resources}`,
    `media-src 'self' data: ${resources}`,
    `frame-src ${(csp?.frameDomains ?? []).join(" ") || "'none'"}`,
    "object-src 'none'",
    `base-uri ${(csp?.baseUriDomains ?? []).join(" ") || "'self'"}`,
  ].join("; ");
}

function withCsp(html, csp) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${cspFor(csp).replaceAll('"', "&quot;")}">`;
  return html.replace(/<head>/i, `<head>${meta}`);
}

const host = {
  bridge: null,
  iframe: null,
  calls: [],
  messages: [],

  /** Load a view; resolves once it has initialized (ui/notifications/initialized). */
  async load(html, csp, hostContext, width) {
    const iframe = document.createElement("iframe");
    iframe.setAttribute("sandbox", "allow-scripts");
    iframe.title = "MCP App";
    iframe.style.width = `${width}px`;
    document.getElementById("stage").replaceChildren(iframe);
    const bridge = new AppBridge(
      null,
      { name: "sync-mcp browser test host", version: "1" },
      { serverTools: {}, openLinks: {}, logging: {}, message: { text: {} } },
      { hostContext },
    );
    bridge.oncalltool = async (params) => {
      host.calls.push(params);
      return await window.hostCallTool(params);
    };
    bridge.onopenlink = async () => ({});
    bridge.onmessage = async (params) => {
      host.messages.push(params);
      return {};
    };
    bridge.onsizechange = ({ height }) => {
      if (height != null) iframe.style.height = `${height}px`;
    };
    const initialized = new Promise((resolve) => {
      bridge.oninitialized = () => resolve();
    });
    await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
    iframe.srcdoc = withCsp(html, csp);
    await initialized;
    host.bridge = bridge;
    host.iframe = iframe;
  },

  async toolInput(args) {
    await host.bridge.sendToolInput({ arguments: args });
  },

  async toolResult(result) {
    await host.bridge.sendToolResult(result);
  },

  async theme(theme, variables) {
    await host.bridge.sendHostContextChange({ theme, styles: { variables } });
  },
};

window.syncHost = host;
