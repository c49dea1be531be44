/**
 * Words that Qwen3's tokenizer encodes as exactly one token both as " word" and as "Word" (checked
 * by test-prompts). Qwen's pre-tokenizer splits text into " word" pieces before BPE, so a text of
 * N such words separated by single spaces is exactly N tokens — prompt sizes need no tokenizer.
 */
export const PROMPT_WORDS: readonly string[] = (
  "time year people way day man thing woman life child world school state family student group " +
  "country problem hand part place case week company system program question work government number night " +
  "point home water room mother area money story fact month lot right study book eye job " +
  "word business issue side kind head house service friend father power hour game line end member " +
  "law car city community name president team minute kid body information back parent face level " +
  "office door health person art war history party result change morning reason research girl guy moment " +
  "air teacher force education foot boy age policy process music market sense nation plan college interest " +
  "death experience effect class control care field development role rate heart drug show leader light voice " +
  "police mind price report decision son view relationship town road arm difference value building action model " +
  "season tax director position player record paper space ground form event official center site project " +
  "activity star table need court oil cost industry figure street image phone data picture practice piece " +
  "land product doctor wall patient worker news test movie north love support technology step baby computer " +
  "type attention film tree source organization hair window evidence population truth song river stone cloud " +
  "bird ocean forest mountain bridge train ship letter color chair glass apple orange fish summer winter " +
  "spring sun moon sky rain snow wind fire earth metal gold silver green blue red black white small large " +
  "quick slow bright dark warm cold happy simple strong clear early final major local public special recent"
).split(" ");
