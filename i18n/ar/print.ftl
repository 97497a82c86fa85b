# التسميات المطبوعة على التذكرة (العربية). المتغيرات: $count و $minutes.
# Arabic plural forms (CLDR): zero, one, two, few (3–10), many (11–99), other.
ticket = رقم تذكرتك
people-ahead = { $count ->
    [0] لا أحد قبلك في الدور
    [one] شخص واحد قبلك في الدور
    [two] شخصان قبلك في الدور
    [few] { $count } أشخاص قبلك في الدور
    [many] { $count } شخصًا قبلك في الدور
   *[other] { $count } شخص قبلك في الدور
}
estimated-wait = مدة الانتظار المتوقعة: { $minutes ->
    [0] أقل من دقيقة
    [one] دقيقة واحدة
    [two] دقيقتان
    [few] { $minutes } دقائق
    [many] { $minutes } دقيقة
   *[other] { $minutes } دقيقة
}
issued = وقت الإصدار
