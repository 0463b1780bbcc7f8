//! The web globals npm glue reaches for (ts/kiln_globals.d.ts: `Blob`, the streams, events,
//! `ImageData`, `Request`, `navigator`, `DOMException` with `atob` and `btoa`, `TextEncoder`'s
//! `encodeInto`), each run through a real kiln process and compared line
//! for line with Deno 2.9 running the same app, then Kiln's own errors and codes.

use kiln_test_support::{deno_runs_env, App};

/// An app that runs `setup`, then each of `attempts` (TypeScript array items
/// `[label, () => value]`, awaited), and prints for each the error's name, code and message, or
/// "no error".
fn error_report(setup: &str, attempts: &[&str]) -> App {
  let mut source = format!("{setup}const attempts: [string, () => unknown][] = [\n");
  for attempt in attempts {
    source.push_str(&format!("  {attempt},\n"));
  }
  source.push_str(concat!(
    "];\n",
    "for (const [label, f] of attempts) {\n",
    "  try { await f(); console.log(label, \"no error\"); } catch (e) {\n",
    "    console.log(label, (e as Error).name, (e as { code: number }).code, (e as Error).message);\n",
    "  }\n",
    "}\n",
  ));
  App::from_source(&source)
}

/// What tests/apps/blob.ts prints, on Kiln and on Deno alike.
const BLOB: &str = r##"parts [10,"text/plain",[104,195,169,2,3,1,2,3,4,33]]
empty [0,"",""]
text "a😀b"
bytes [2,1]
lone surrogate "�"
a type outside ASCII ""
endings ["a\nb\nc\n","a\r\nb"]
bad endings TypeError
parts not a sequence TypeError
numbers are strings "12true"
slice ["bc","ef","cd","","abcdef","","a/b",1]
file ["config.json","application/json",2,42,"{}"]
file is a blob [true,true,"[object File]"]
blob tag "[object Blob]"
file's slice [false,"}"]
lastModified defaults to now true
File without a name TypeError
structuredClone [true,false,"x/y","abcdef",true,"config.json",42,"{}"]
blob body ["text/x-thing","body"]
untyped blob body null
response.blob() [2,"text/plain;charset=utf-8","hi"]
untyped response.blob() ""
object URL [true,"blob:"]
fetch(blob:) [200,"text/plain","15","from a blob url"]
fetch(blob:#fragment) "from a blob url"
revoked TypeError
never made TypeError
createObjectURL of bytes TypeError
revoking an unknown URL "ignored"
instantiateStreaming(blob:) 42
"##;

/// `Blob`, `File`, `response.blob()` and the `blob:` URLs of `URL.createObjectURL`, compared with
/// Deno line for line; then Kiln's own errors, with their codes.
#[test]
fn blobs_files_and_blob_urls_as_deno_has_them() {
  let app = App::new("blob.ts").manifest("[capabilities.wasm]\nload = true\nexecute = true\n");
  app.prints_as_on_deno(BLOB);
  App::from_source(concat!(
    "const url = URL.createObjectURL(new Blob([\"x\"]));\n",
    "URL.revokeObjectURL(url);\n",
    "const attempts: [string, () => unknown][] = [\n",
    "  [\"revoked\", () => fetch(url)],\n",
    "  [\"not a blob\", () => URL.createObjectURL({} as Blob)],\n",
    "  [\"brand\", () => Reflect.get(Blob.prototype, \"size\", {})],\n",
    "];\n",
    "for (const [label, f] of attempts) {\n",
    "  try { await f(); } catch (e) {\n",
    "    const message = (e as Error).message.replace(url, \"<url>\");\n",
    "    console.log(label, (e as Error).name, (e as { code: number }).code, message);\n",
    "  }\n",
    "}\n",
  ))
  .run()
  .ok(concat!(
    "revoked TypeError 5007 fetch(<url>): no Blob has this URL: it was revoked, or made by another runtime\n",
    "not a blob TypeError 5007 URL.createObjectURL: the argument must be a Blob (or a File)\n",
    "brand TypeError 5007 Blob.size: called on something that is not a Blob\n",
  ));
}

/// What tests/apps/streams.ts prints, on Kiln and on Deno alike.
const STREAMS: &str = r##"locked before false
locked after true
reads [{"value":0,"done":false},{"value":1,"done":false},{"value":2,"done":false},{"done":true}]
calls ["start 2","pull 0 2","pull 1 2","pull 2 2"]
a second reader on a closed stream true
getReader while locked TypeError
cancel while locked TypeError
cancelled with ["enough"]
read after cancel {"done":true}
read of an errored stream RangeError
pull throws SyntaxError
async start rejects EvalError
enqueue after close TypeError
a string into a byte stream TypeError
byob TypeError
from an array [1,2,3]
from an async generator ["a","b"]
tee [["p","q"],["p","q"]]
first of many 1
the rest, after preventCancel [2,3]
desiredSize 2
desiredSize when full 0
written ["a","b","c","closed"]
write after close TypeError
aborted with ["stop"]
write to an aborted stream undefined
a sink that throws TypeError
pipeTo [1,2,3]
pipeThrough [1,10,2,20,3,30,-1]
identity transform ["x","y"]
a transform that throws URIError
pipeTo a locked destination TypeError
pipeTo with an aborted signal Error
TextDecoderStream "€!"
TextEncoderStream [240,159,152,128,97]
gzip round trip [true,true]
deflate round trip [true,true]
deflate-raw round trip [true,true]
gunzip "kiln"
corrupt gzip TypeError
bytes after the end TypeError
an unknown format TypeError
a string into DecompressionStream TypeError
Blob.stream [97,98,1,2]
body before reading [true,false]
body bytes "a body"
bodyUsed after reading the stream true
text() after the stream was read TypeError
no body null
Response of a stream [null,"streamed",true]
clone of a stream body [[7,8],[7,8]]
a body stream of strings TypeError
compressed through Response true
structuredClone of a stream DataCloneError
"##;

/// The Streams Standard's classes, the compression and text streams, and stream bodies, compared
/// with Deno line for line; then Kiln's own errors, with their codes.
#[test]
fn streams_as_deno_has_them() {
  let app = App::new("streams.ts");
  app.prints_as_on_deno(STREAMS);
  error_report(
    "",
    &[
      "[\"byob\", () => new ReadableStream().getReader({ mode: \"byob\" } as unknown as { mode: undefined })]",
      "[\"format\", () => new DecompressionStream(\"lzma\" as \"gzip\")]",
      "[\"corrupt\", () => new Response(new Blob([\"not gzip\"]).stream().pipeThrough(new DecompressionStream(\"gzip\"))).text()]",
      "[\"not gzip\", () => new Response(new Blob([\"not gzip, and long enough\"]).stream().pipeThrough(new DecompressionStream(\"gzip\"))).text()]",
      "[\"strings\", () => new Response(ReadableStream.from([\"x\"]) as unknown as ReadableStream<Uint8Array>).text()]",
      "[\"locked\", () => { const s = new ReadableStream(); s.getReader(); return new Response(s); }]",
    ],
  )
  .run()
  .ok(concat!(
    "byob TypeError 5007 ReadableStream.getReader: Kiln has no BYOB readers; use the default reader (getReader())\n",
    "format TypeError 5007 DecompressionStream: the format must be \"gzip\", \"deflate\" or \"deflate-raw\", got \"lzma\"\n",
    "corrupt TypeError 5007 DecompressionStream: the data ends before its gzip stream does (is it truncated?)\n",
    "not gzip TypeError 5007 DecompressionStream: the data is not valid gzip: invalid gzip header\n",
    "strings TypeError 5007 Response.text: the body stream gave a chunk that is not a Uint8Array\n",
    "locked TypeError 5007 Response: the body stream is locked or was already read\n",
  ));
}

/// What tests/apps/events.ts prints, on Kiln and on Deno alike.
const EVENTS: &str = r##"a new event ["ping",false,false,false,false,0,null]
constants [0,2,3,"number"]
new Event() TypeError
tags ["[object Event]","[object EventTarget]"]
dispatch returns true
first dispatch ["first ping true true true 2","object ping","once","first ping true true true 2"]
second dispatch ["first ping true true true 2","object ping","first ping true true true 2"]
after removal ["object ping"]
after dispatch [0,null]
cancelable, canceled false
not cancelable true
passive [true,false]
stopImmediatePropagation ["one"]
returnValue [true,false]
dispatching twice ["InvalidStateError",[]]
custom [{"n":1},true,null]
signal [true,false,null]
aborted [true,"AbortError",["onabort abort","listener true true"]]
throwIfAborted AbortError
new AbortSignal TypeError
AbortSignal.abort ["why","AbortError"]
AbortSignal.any [true,"b first"]
any of an aborted signal "already"
removed by its signal []
timeout ["TimeoutError"]
"##;

/// `Event`, `CustomEvent`, `EventTarget`, `AbortController` and `AbortSignal`, compared with Deno
/// line for line; then what Kiln does where Deno departs from the standard (a non-Event or a
/// number as a listener is a TypeError), and a listener that throws.
#[test]
fn events_and_abort_signals_as_deno_has_them() {
  let app = App::new("events.ts");
  app.prints_as_on_deno(EVENTS);
  error_report(
    "const target = new EventTarget();\n",
    &[
      "[\"not an event\", () => target.dispatchEvent({ type: \"x\" } as Event)]",
      "[\"a number\", () => target.addEventListener(\"x\", 5 as unknown as EventListener)]",
      "[\"timeout\", () => AbortSignal.timeout(-1)]",
    ],
  )
  .run()
  .ok(concat!(
    "not an event TypeError 5007 EventTarget.dispatchEvent: the argument must be an Event\n",
    "a number TypeError 5007 EventTarget.addEventListener: the listener must be a function or an object with handleEvent\n",
    "timeout TypeError 5007 AbortSignal.timeout: the delay must be a number of milliseconds from 0, got -1\n",
  ));
  // A listener that throws: the others still run, then the app ends with the exception, as an
  // exception in a timer's callback ends it.
  let run = App::from_source(concat!(
    "const target = new EventTarget();\n",
    "target.addEventListener(\"x\", () => { throw new RangeError(\"from a listener\"); });\n",
    "target.addEventListener(\"x\", () => console.log(\"the next listener ran\"));\n",
    "console.log(\"dispatch returned\", target.dispatchEvent(new Event(\"x\")));\n",
    "await new Promise((resolve) => setTimeout(resolve, 50));\n",
    "console.log(\"not reached\");\n",
  ))
  .run();
  assert_eq!(run.status, Some(1), "{}", run.stderr);
  assert_eq!(run.stdout, "the next listener ran\ndispatch returned true\n");
  assert!(run.stderr.contains("Uncaught RangeError: from a listener"), "{}", run.stderr);
}

/// What tests/apps/image_data.ts prints, on Kiln and on Deno alike.
const IMAGE_DATA: &str = r##"made [2,3,24,true,"srgb"]
tag "[object ImageData]"
from data [2,2,true]
with its height 2
display-p3 "display-p3"
pixelFormat "rgba-unorm8"
own keys [[],true]
zero width IndexSizeError
a length that is not a multiple of 4 InvalidStateError
not a multiple of the width IndexSizeError
a height that does not match IndexSizeError
a Uint8Array is a width IndexSizeError
no arguments TypeError
an unknown color space TypeError
"##;

/// `ImageData`, compared with Deno line for line; then what Kiln adds: `structuredClone` copies
/// one (Deno 2.9 gives an object without its pixels), and its errors' messages.
#[test]
fn image_data_as_deno_has_it() {
  let app = App::new("image_data.ts");
  app.prints_as_on_deno(IMAGE_DATA);
  App::from_source(concat!(
    "const image = new ImageData(new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]), 1, 2, { colorSpace: \"display-p3\" });\n",
    "const copy = structuredClone(image);\n",
    "console.log(copy instanceof ImageData, copy.width, copy.height, copy.colorSpace, copy.data !== image.data, [...copy.data].join());\n",
    "for (const f of [() => new ImageData(new Uint8ClampedArray(12), 2), () => new ImageData(1, 1, { colorSpace: \"cmyk\" as \"srgb\" })]) {\n",
    "  try { f(); } catch (e) { console.log((e as Error).name, (e as { code: number }).code, (e as Error).message); }\n",
    "}\n",
  ))
  .run()
  .ok(concat!(
    "true 1 2 display-p3 true 1,2,3,4,5,6,7,8\n",
    "IndexSizeError 1 ImageData: the data's length (12) is not a multiple of 4 * the width (2)\n",
    "TypeError 5007 ImageData: the colorSpace must be \"srgb\" or \"display-p3\", got \"cmyk\"\n",
  ));
}

/// What tests/apps/request.ts prints, on Kiln and on Deno alike.
const REQUEST: &str = r##"defaults ["GET",true,null,false,false,"follow","cors"]
tag "[object Request]"
methods ["POST","Patch","patch"]
a forbidden method TypeError
an invalid method TypeError
a relative URL TypeError
a GET with a body TypeError
a body ["text/plain;charset=UTF-8","test",false]
text ["hello",true,"hello"]
read twice TypeError
clone after reading TypeError
json {"a":1}
bytes [1,2]
blob ["text/x-b","b"]
a stream body [true,"streamed"]
from a request ["POST",true,true,"moved"]
from a request, with init ["PUT","1","new"]
signal before false
signal after [true,"stop"]
fetch(request) [200,{"answer":42}]
fetch of an aborted request undefined
fetch with an aborted signal undefined
"##;

/// `Request` and `fetch` of one, compared with Deno line for line; then Kiln's messages.
#[test]
fn requests_as_deno_has_them() {
  let app = App::new("request.ts")
    .manifest("[capabilities.fs]\nread = [\"./*.json\"]\n")
    .file("data.json", "{\"answer\": 42}\n");
  app.prints_as_on_deno(REQUEST);
  error_report(
    "",
    &[
      "[\"relative\", () => new Request(\"data.json\")]",
      "[\"body\", () => new Request(\"file:///x\", { method: \"HEAD\", body: \"x\" })]",
      "[\"post\", () => fetch(\"file:///x\", { method: \"POST\", body: \"x\" })]",
      "[\"signal\", () => new Request(\"file:///x\", { signal: {} as AbortSignal })]",
    ],
  )
  .run()
  .ok(concat!(
    "relative TypeError 5007 Request: \"data.json\" is not an absolute URL; Kiln has no page to resolve it against, so pass new URL(path, import.meta.url)\n",
    "body TypeError 5007 Request: a HEAD request cannot have a body\n",
    "post TypeError 5007 fetch(file:///x): POST is not possible for a file: URL; only GET and HEAD\n",
    "signal TypeError 5007 Request: init.signal must be an AbortSignal\n",
  ));
}

/// `navigator`, compared with Deno line for line, with the same locale; then what Kiln names
/// otherwise: its user agent, and its language when the locale says none.
#[test]
fn navigator_as_deno_has_it() {
  let app = App::new("navigator.ts");
  let kiln = app.run_env(&[("LANG", "de_DE.UTF-8"), ("LC_ALL", ""), ("LC_MESSAGES", "")]);
  let processors = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
  kiln.ok(&NAVIGATOR.replace("{processors}", &processors.to_string()));
  let on_deno = deno_runs_env(&app.path().join("main.ts"), &[("LANG", "de_DE.UTF-8")], &["LC_ALL", "LC_MESSAGES"]);
  assert_eq!(on_deno, kiln.stdout);
  App::from_source("console.log(navigator.userAgent, String(navigator), navigator.language);\n")
    .run_env(&[("LANG", "C.UTF-8"), ("LC_ALL", ""), ("LC_MESSAGES", "")])
    .ok(&format!("Kiln/{} [object Navigator] en-US\n", env!("CARGO_PKG_VERSION")));
}

/// What tests/apps/navigator.ts prints with LANG=de_DE.UTF-8, on Kiln and on Deno alike
/// (`{processors}`: this machine's count).
const NAVIGATOR: &str = r##"object function true
true {processors}
de-DE ["de-DE"] false
<name>/<version>
Linux x86_64
0
true
hardwareConcurrency function true true
language function true true
languages function true true
userAgent function true true
platform function true true
TypeError
TypeError
"##;

/// What tests/apps/dom_exception.ts prints, on Kiln and on Deno alike.
const DOM_EXCEPTION: &str = r##"made AbortError m 20 true true AbortError: m
own stack 0 {} string
stack line AbortError: m
isError true
tags [object DOMException] [object DOMException]
chain true true
constructor 0 DOMException constructor,message,name,code,INDEX_SIZE_ERR
descriptors function true true false true false
constants 25 11
options TimeoutError 23 why stack,cause
defaults "" Error 0 Error
no code 0 0
subclass true true NotFoundError 8 1
call threw TypeError TypeError 
brand threw TypeError TypeError 
symbol message threw TypeError TypeError 
clone true true AbortError m
abort reason true AbortError 20
atob abc abcd a "" 3
btoa /wBh dW5kZWZpbmVk 
atob "YQ=" threw DOMException InvalidCharacterError 5
atob "Y" threw DOMException InvalidCharacterError 5
atob "YQ===" threw DOMException InvalidCharacterError 5
atob "YQ==a" threw DOMException InvalidCharacterError 5
atob "Y=Q=" threw DOMException InvalidCharacterError 5
atob "YQ " threw DOMException InvalidCharacterError 5
atob "*" threw DOMException InvalidCharacterError 5
btoa U+0100 threw DOMException InvalidCharacterError 5
atob() threw TypeError TypeError 
btoa() threw TypeError TypeError 
lengths 1 1 atob btoa
"##;

/// `DOMException`, `atob` and `btoa` (runtime/js/dom_exception.js), compared with Deno line for
/// line: a DOMException is an error object (`Error.isError`), takes `{ name, cause }` options and
/// is cloned by `structuredClone`; then the codes and messages of Kiln's TypeErrors.
#[test]
fn dom_exceptions_atob_and_btoa_as_deno_has_them() {
  let app = App::new("dom_exception.ts");
  app.prints_as_on_deno(DOM_EXCEPTION);
  error_report(
    "",
    &[
      "[\"call\", () => (DOMException as unknown as () => unknown)()]",
      "[\"brand\", () => Object.getOwnPropertyDescriptor(DOMException.prototype, \"code\")!.get!.call({})]",
      "[\"symbol\", () => new DOMException(\"m\", Symbol() as unknown as string)]",
      "[\"atob()\", () => (atob as unknown as () => string)()]",
      "[\"atob\", () => atob(\"*\")]",
      "[\"btoa\", () => btoa(\"\\u0100\")]",
    ],
  )
  .run()
  .ok(concat!(
    "call TypeError 5007 DOMException: the constructor must be called with new\n",
    "brand TypeError 5007 DOMException.prototype.code: the receiver is not a DOMException\n",
    "symbol TypeError 5007 DOMException: a symbol cannot be converted to a string; pass a string\n",
    "atob() TypeError 5007 atob: 1 argument required, but only 0 present\n",
    "atob InvalidCharacterError 5 atob: the string is not valid base64: it may hold only A-Z, a-z, 0-9, + and /, with up to two = at the end and whitespace anywhere\n",
    "btoa InvalidCharacterError 5 btoa: the string has a character above U+00FF; encode it to bytes first (TextEncoder) and pass those as a binary string\n",
  ));
}

/// What tests/apps/encode_into.ts prints, on Kiln and on Deno alike.
const ENCODE_INTO: &str = r##"ascii: read 3, written 3, [97,98,99,170,170]
two-byte, room for one: read 2, written 3, [104,195,169]
two-byte split: read 1, written 1, [104,170]
astral, no room: read 1, written 1, [97,170,170,170]
astral, room: read 3, written 5, [97,240,159,152,128]
astral and after: read 4, written 6, [97,240,159,152,128,98]
lone high surrogate: read 3, written 5, [97,239,191,189,98,170]
lone low surrogate: read 1, written 3, [239,191,189]
lone surrogate at the end: read 3, written 5, [97,98,239,191,189,170]
byte order mark: read 2, written 4, [239,187,191,120,170]
empty input: read 0, written 0, [170,170]
empty destination: read 0, written 0, []
into a view: read 3, written 3, [120,121,122,170,170]
the view's buffer: [170,170,120,121,122,170,170,170]
a number: read 2, written 2, [52,50,170,170]
long: read 5001, written 10001, last 122
a destination of [object Uint16Array]: TypeError
a destination of [object Array]: TypeError
a destination of [object Null]: TypeError
"##;

/// `TextEncoder.encodeInto` (one op since this test: runtime/src/encoding.rs): whole characters
/// only, `read` in UTF-16 code units (a byte order mark counted, which the JS version's count
/// dropped), unpaired surrogates as U+FFFD, nothing past `written` touched, a view's offset
/// kept, a destination that is not a `Uint8Array` refused; compared with Deno line for line.
#[test]
fn text_encoder_encode_into_as_deno_has_it() {
  let app = App::new("encode_into.ts");
  app.prints_as_on_deno(ENCODE_INTO);
}
