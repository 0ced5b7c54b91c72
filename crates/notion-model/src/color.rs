//! Colors of text, blocks, options and icons.

use crate::codec::string_enum;

string_enum! {
    /// A Notion color: `default`, nine colors, their `_background` variants, and `lightgray`
    /// (native icons). Colors Notion adds later are kept in [`Color::Unknown`].
    #[derive(Default)]
    pub enum Color {
        /// `default`
        #[default]
        Default = "default",
        /// `gray`
        Gray = "gray",
        /// `lightgray` (native icons only)
        LightGray = "lightgray",
        /// `brown`
        Brown = "brown",
        /// `orange`
        Orange = "orange",
        /// `yellow`
        Yellow = "yellow",
        /// `green`
        Green = "green",
        /// `blue`
        Blue = "blue",
        /// `purple`
        Purple = "purple",
        /// `pink`
        Pink = "pink",
        /// `red`
        Red = "red",
        /// `default_background`
        DefaultBackground = "default_background",
        /// `gray_background`
        GrayBackground = "gray_background",
        /// `brown_background`
        BrownBackground = "brown_background",
        /// `orange_background`
        OrangeBackground = "orange_background",
        /// `yellow_background`
        YellowBackground = "yellow_background",
        /// `green_background`
        GreenBackground = "green_background",
        /// `blue_background`
        BlueBackground = "blue_background",
        /// `purple_background`
        PurpleBackground = "purple_background",
        /// `pink_background`
        PinkBackground = "pink_background",
        /// `red_background`
        RedBackground = "red_background",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_colors_round_trip() {
        let c: Color = serde_json::from_str("\"blue_background\"").unwrap();
        assert_eq!(c, Color::BlueBackground);
        let c: Color = serde_json::from_str("\"teal\"").unwrap();
        assert_eq!(c, Color::Unknown("teal".into()));
        assert!(c.is_unknown());
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"teal\"");
        assert_eq!(Color::from("red"), Color::Red);
        assert_eq!(Color::default().as_str(), "default");
    }
}
