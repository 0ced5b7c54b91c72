//! Rich text: text runs, mentions and inline equations.

use crate::codec::{object, tagged_kind};
use crate::icon::CustomEmoji;
use crate::{Color, DateValue, ObjectRef, User};

object! {
    /// One rich-text item: `{type, <type>: {…}, annotations, plain_text, href}`.
    ///
    /// ```
    /// use notion_model::RichText;
    ///
    /// let item = RichText::plain("Lacinato kale");
    /// assert_eq!(item.text(), "Lacinato kale");
    /// let json = serde_json::to_value(&item)?;
    /// assert_eq!(json["text"]["content"], "Lacinato kale");
    /// assert_eq!(json["annotations"]["bold"], false);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct RichText {
        /// Bold, italic, … and color.
        opt annotations: Annotations,
        /// The readable rendering of the item.
        opt plain_text: String,
        /// The link target, `null` when none.
        null href: String,
    }
    /// Text, mention or equation, with its payload.
    tag req kind: RichTextKind;
}

tagged_kind! {
    /// The kind of a rich-text item.
    #[derive(Debug, Clone, PartialEq)]
    pub enum RichTextKind {
        /// `text`
        Text(Text) = "text",
        /// `mention`
        Mention(Mention) = "mention",
        /// `equation`
        Equation(Equation) = "equation",
    }
}

object! {
    /// Styling of a rich-text item.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Annotations {
        /// Bold.
        opt bold: bool,
        /// Italic.
        opt italic: bool,
        /// Struck through.
        opt strikethrough: bool,
        /// Underlined.
        opt underline: bool,
        /// Inline code.
        opt code: bool,
        /// Text or background color.
        opt color: Color,
    }
}

object! {
    /// The payload of a `text` item.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Text {
        /// The text.
        req content: String,
        /// The link, `null` when none.
        null link: Link,
    }
}

object! {
    /// A link: `{url}`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Link {
        /// The URL.
        req url: String,
    }
}

object! {
    /// An equation: `{expression}` (rich-text item payload and `equation` block payload).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Equation {
        /// The KaTeX expression.
        req expression: String,
    }
}

object! {
    /// The payload of a `mention` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Mention {}
    /// What is mentioned.
    tag req kind: MentionKind;
}

tagged_kind! {
    /// What a mention points at.
    #[derive(Debug, Clone, PartialEq)]
    pub enum MentionKind {
        /// `user` (partial or full user).
        User(Box<User>) = "user",
        /// `date`
        Date(DateValue) = "date",
        /// `page`
        Page(ObjectRef) = "page",
        /// `database` (a database, not a data source).
        Database(ObjectRef) = "database",
        /// `link_preview`
        LinkPreview(LinkPreview) = "link_preview",
        /// `link_mention`
        LinkMention(Box<LinkMention>) = "link_mention",
        /// `template_mention`
        TemplateMention(TemplateMention) = "template_mention",
        /// `custom_emoji`
        CustomEmoji(CustomEmoji) = "custom_emoji",
    }
}

object! {
    /// A URL with a preview: the `link_preview` mention and block payload.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct LinkPreview {
        /// The URL.
        req url: String,
    }
}

object! {
    /// A link mention with the metadata Notion unfurled.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct LinkMention {
        /// The link.
        req href: String,
        /// Page title.
        opt title: String,
        /// Page description.
        opt description: String,
        /// Author.
        opt link_author: String,
        /// Provider (e.g. `GitHub`).
        opt link_provider: String,
        /// Thumbnail URL.
        opt thumbnail_url: String,
        /// Icon URL.
        opt icon_url: String,
        /// Embeddable URL.
        opt iframe_url: String,
        /// Embed height.
        opt height: serde_json::Number,
        /// Embed padding.
        opt padding: serde_json::Number,
        /// Embed top padding.
        opt padding_top: serde_json::Number,
    }
}

object! {
    /// A template mention (`@Today`, `@Now`, `@Me` in templates).
    #[derive(Debug, Clone, PartialEq)]
    pub struct TemplateMention {}
    /// Date or user.
    tag req kind: TemplateMentionKind;
}

tagged_kind! {
    /// The kind of a template mention.
    #[derive(Debug, Clone, PartialEq)]
    pub enum TemplateMentionKind {
        /// `template_mention_date`: `today` or `now`.
        Date(String) = "template_mention_date",
        /// `template_mention_user`: `me`.
        User(String) = "template_mention_user",
    }
}

impl RichText {
    /// An item of this kind with default annotations, the given plain text and no link.
    pub fn new(kind: RichTextKind, plain_text: impl Into<String>) -> Self {
        RichText {
            annotations: Some(Annotations::plain()),
            plain_text: Some(plain_text.into()),
            href: Some(None),
            kind,
            extra: Default::default(),
        }
    }

    /// Unstyled text without a link, as Notion writes it.
    pub fn plain(content: impl Into<String>) -> Self {
        let content = content.into();
        RichText::new(RichTextKind::Text(Text::new(content.clone())), content)
    }

    /// A linked text run (`href` and `text.link` set).
    pub fn link(content: impl Into<String>, url: impl Into<String>) -> Self {
        let content = content.into();
        let url = url.into();
        let text = Text {
            content: content.clone(),
            link: Some(Some(Link {
                url: url.clone(),
                extra: Default::default(),
            })),
            extra: Default::default(),
        };
        let mut item = RichText::new(RichTextKind::Text(text), content);
        item.href = Some(Some(url));
        item
    }

    /// An inline equation.
    pub fn equation(expression: impl Into<String>) -> Self {
        let expression = expression.into();
        let equation = Equation {
            expression: expression.clone(),
            extra: Default::default(),
        };
        RichText::new(RichTextKind::Equation(equation), expression)
    }

    /// A mention, rendered as `plain_text`.
    pub fn mention(kind: MentionKind, plain_text: impl Into<String>) -> Self {
        let mention = Mention {
            kind,
            extra: Default::default(),
        };
        RichText::new(RichTextKind::Mention(mention), plain_text)
    }

    /// The readable text: `plain_text`, or the text content / expression when `plain_text` is
    /// absent.
    pub fn text(&self) -> &str {
        if let Some(plain) = &self.plain_text {
            return plain;
        }
        match &self.kind {
            RichTextKind::Text(text) => &text.content,
            RichTextKind::Equation(equation) => &equation.expression,
            _ => "",
        }
    }

    /// The link target, if any.
    pub fn href(&self) -> Option<&str> {
        self.href.as_ref().and_then(Option::as_deref)
    }
}

impl Annotations {
    /// No styling and the default color, every member written (as Notion does).
    pub fn plain() -> Self {
        Annotations {
            bold: Some(false),
            italic: Some(false),
            strikethrough: Some(false),
            underline: Some(false),
            code: Some(false),
            color: Some(Color::Default),
            extra: Default::default(),
        }
    }
}

impl Text {
    /// Text without a link (`link: null`).
    pub fn new(content: impl Into<String>) -> Self {
        Text {
            content: content.into(),
            link: Some(None),
            extra: Default::default(),
        }
    }
}

/// The concatenated readable text of rich-text items.
///
/// ```
/// use notion_model::{RichText, rich_text::plain_text};
///
/// let items = [RichText::plain("E = "), RichText::equation("mc^2")];
/// assert_eq!(plain_text(&items), "E = mc^2");
/// ```
pub fn plain_text(items: &[RichText]) -> String {
    let mut out = String::with_capacity(items.iter().map(|i| i.text().len()).sum());
    for item in items {
        out.push_str(item.text());
    }
    out
}
