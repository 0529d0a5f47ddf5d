// A test host for the corral MCP App, built on the official ext-apps host
// bridge (AppBridge + PostMessageTransport), as a chat client embeds an App:
// the page's HTML goes into a sandboxed iframe (scripts only, opaque origin),
// and the View's tools/call and resources/read go to the real `corral serve`
// through window.corralRequest (exposed by the test over the real SDK client).
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

window.corralHost = {
  async open({ html, toolInput, toolResult, theme }) {
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.setAttribute('title', 'corral MCP App');
    frame.srcdoc = html;
    document.getElementById('apps').replaceChildren(frame);
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));

    const bridge = new AppBridge(null, { name: 'corral-test-host', version: '1.0.0' },
      { serverTools: {}, serverResources: {}, logging: {} },
      { hostContext: { theme, displayMode: 'inline', platform: 'web' } });
    bridge.oncalltool = (params) => window.corralRequest('tools/call', params);
    bridge.onreadresource = (params) => window.corralRequest('resources/read', params);
    bridge.onsizechange = ({ height }) => { if (height) frame.style.height = `${height}px`; };
    const ready = new Promise((resolve) => { bridge.oninitialized = resolve; });
    await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
    await ready;
    await bridge.sendToolInput({ arguments: toolInput ?? {} });
    await bridge.sendToolResult(toolResult);
    window.corralBridge = bridge;
    return bridge.getAppVersion();
  },
};
