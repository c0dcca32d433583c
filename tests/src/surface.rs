//! The generated crate's API surface in one screen: every operation with
//! its method, path, builder method, inputs and response type, read from
//! the generated source, for a reviewed snapshot beside the full source.

/// One line per operation, sorted by path then method:
/// `POST /api/v1/generate  generate_music(body: GenerateMusicBody) -> GenerateMusicResponse`.
pub fn operations(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((method, path)) = sends(line) else {
            continue;
        };
        // The method's signature, joined when it is wrapped.
        let Some(start) = lines[i..]
            .iter()
            .position(|l| l.trim().starts_with("pub fn "))
        else {
            continue;
        };
        let signature: String = lines[i + start..]
            .iter()
            .take_while(|l| !l.contains('{'))
            .chain(lines[i + start..].iter().find(|l| l.contains('{')))
            .map(|l| l.trim())
            .collect();
        let Some((name, builder)) = client_method(&signature) else {
            continue;
        };
        let (inputs, response) = builder_shape(&lines, builder);
        out.push(format!(
            "{method} {path}  {name}({}) -> {response}",
            inputs.join(", ")
        ));
    }
    out.sort_by(|a, b| {
        let key = |s: &str| {
            let mut words = s.split_whitespace();
            let method = words.next().unwrap_or_default().to_owned();
            (words.next().unwrap_or_default().to_owned(), method)
        };
        key(a).cmp(&key(b))
    });
    out.join("\n") + "\n"
}

/// "Sends a `POST` request to `/api/v1/generate`" -> (POST, /api/v1/generate).
fn sends(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix("Sends a `")?;
    let (method, rest) = rest.split_once("` request to `")?;
    Some((method, rest.strip_suffix('`')?))
}

/// "pub fn generate_music(&self) -> builder::GenerateMusic<'_> {" ->
/// (generate_music, GenerateMusic).
fn client_method(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix("pub fn ")?;
    let (name, rest) = rest.split_once('(')?;
    let (_, rest) = rest.split_once("-> builder::")?;
    Some((name, rest.split_once('<')?.0))
}

/// The setters of a builder (`body: Type` for the body) and what `send`
/// returns.
fn builder_shape(lines: &[&str], builder: &str) -> (Vec<String>, String) {
    let open = format!("impl<'a> {builder}<'a> {{");
    let Some(start) = lines.iter().position(|l| l.trim() == open) else {
        return (Vec::new(), "?".to_owned());
    };
    let mut inputs = Vec::new();
    let mut response = "?".to_owned();
    let mut setter: Option<&str> = None;
    for line in &lines[start + 1..] {
        let line = line.trim();
        if line.starts_with("impl<'a> ") || line.starts_with("pub struct ") {
            break;
        }
        if let Some(rest) = line.strip_prefix("pub fn ")
            && let Some((name, _)) = rest.split_once("<V>(mut self, value: V)")
        {
            setter = Some(name);
        } else if let Some(name) = setter
            && let Some(rest) = line.strip_prefix("V: std::convert::TryInto<")
        {
            let ty = rest.trim_end_matches(',').trim_end_matches('>');
            let ty = ty
                .trim_start_matches("types::")
                .trim_start_matches("::std::string::");
            inputs.push(if name == "body" {
                format!("body: {ty}")
            } else {
                format!("{name}: {ty}")
            });
            setter = None;
        } else if let Some((_, rest)) = line.split_once(") -> Result<ResponseValue<") {
            response = rest
                .split_once(">, Error<")
                .map_or(rest, |(t, _)| t)
                .trim_start_matches("types::")
                .to_owned();
        }
    }
    (inputs, response)
}
