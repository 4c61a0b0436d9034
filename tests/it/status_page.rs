//! The status page at `/`, in a real headless browser (Debian's chromium,
//! driven through chromedriver's WebDriver protocol): it loads, lists the
//! handlers, and updates when a block is indexed.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use wraith_tests::ghostnet::{IGhostCore, data};
use wraith_tests::{Host, HostOptions, TestDb, free_port, wait_until};

use crate::common;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process with one headless session.
struct Browser {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    async fn start() -> Self {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: `make browser` installs Debian's chromium and chromium-driver"
            );
        }
        let port = free_port().unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        wait_until("chromedriver to answer", Duration::from_secs(30), || {
            let http = http.clone();
            let url = format!("{base}/status");
            async move { Ok(http.get(url).send().await.ok().map(|_| ())) }
        })
        .await
        .unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            }
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_owned();
        Self {
            child,
            base,
            session,
            http,
        }
    }

    async fn command(&self, path: &str, body: Value) -> Value {
        let r: Value = self
            .http
            .post(format!("{}/session/{}/{path}", self.base, self.session))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.command("url", json!({ "url": url })).await;
    }

    /// The text of the element `selector` ("" if absent).
    async fn text(&self, selector: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';";
        self.command(
            "execute/sync",
            json!({ "script": script, "args": [selector] }),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    async fn wait_text(&self, selector: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..300 {
            last = self.text(selector).await;
            if ok(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}; {selector} shows {last:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_the_status_page_in_a_browser_should_list_handlers_and_follow_new_blocks() {
    let (anvil, core) = common::chain(2).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    ))
    .await
    .unwrap();
    let first = anvil.block_number().await.unwrap();
    host.wait_indexed(first, common::CATCH_UP).await.unwrap();

    let browser = Browser::start().await;
    browser.open(&format!("{}/", host.api)).await;
    let handlers = browser
        .wait_text("#handlers tbody", "the handler list", |t| {
            t.contains("ghost-core")
        })
        .await;
    assert!(handlers.contains("running"), "{handlers}");
    browser
        .wait_text("#live", "the live socket", |t| t == "live")
        .await;
    let shown = browser.text("#indexed").await;
    assert_eq!(shown, first.to_string());

    // A new block with an event: the page follows without a reload.
    anvil
        .send(
            core.players[0],
            core.ghost_core,
            IGhostCore::jackInCall {
                amount: data(30),
                level: 1,
            },
        )
        .await
        .unwrap();
    let next = anvil.block_number().await.unwrap();
    browser
        .wait_text("#indexed", "the new block", |t| t == next.to_string())
        .await;
    browser
        .wait_text("#feed tbody", "the feed event", |t| t.contains("JACK_IN"))
        .await;
}
