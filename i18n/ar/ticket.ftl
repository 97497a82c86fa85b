# The visitor's ticket page (and the exit tablet), Arabic (right to left).

language-name = العربية
title = رقمك
loading = جارٍ تحميل رقمك…
language = اللغة
status-waiting = في الانتظار
ahead = { $ahead ->
    [0] أنت التالي
    [one] شخص واحد قبلك
    [two] شخصان قبلك
    [few] { $ahead } أشخاص قبلك
   *[other] { $ahead } شخصًا قبلك
}
wait = { $wait_min ->
    [0] سيُنادى رقمك قريبًا جدًا
    [one] مدة الانتظار المتوقعة: دقيقة واحدة تقريبًا
    [two] مدة الانتظار المتوقعة: دقيقتان تقريبًا
    [few] مدة الانتظار المتوقعة: { $wait_min } دقائق تقريبًا
   *[other] مدة الانتظار المتوقعة: { $wait_min } دقيقة تقريبًا
}
wait-range = مدة الانتظار المتوقعة: { $low_min }–{ $high_min } دقيقة
no-desk = لا يوجد مكتب يخدم هذا الطابور الآن. يبقى مكانك محفوظًا.
called-title = حان دورك!
go-to = يُرجى التوجّه إلى
serving = تُخدم الآن عند
status-done = اكتملت زيارتك. شكرًا لك!
status-no_show = نودي رقمك لكنك لم تحضر. يُرجى السؤال في مكتب الاستعلامات.
status-cancelled = أُلغي هذا الرقم.
status-parked = رقمك معلّق مؤقتًا. يُرجى البقاء قريبًا: سيُنادى رقمك مرة أخرى.
status-expired = انتهت صلاحية هذا الرقم. يُرجى أخذ رقم جديد.
status-transferred = نُقل رقمك إلى طابور آخر.
not-found = هذا الرقم غير موجود. يُرجى التحقق من العنوان المطبوع على رقمك.
offline = لا يوجد اتصال. نحاول مرة أخرى…
keep-open = تتحدّث هذه الصفحة تلقائيًا. أبقِها مفتوحة وتابع الشاشات.
postpone = دع الآخرين يتقدّمون
cancel = إلغاء رقمي
keep = الاحتفاظ برقمي
confirm-postpone = الانتقال إلى آخر الطابور؟ كل من ينتظر الآن سيتقدّم عليك. يمكنك فعل ذلك مرة واحدة فقط.
confirm-postpone-yes = نعم، انقلني إلى الخلف
confirm-cancel = إلغاء رقمك؟ ستفقد مكانك في الطابور.
confirm-cancel-yes = نعم، ألغِ رقمي
postponed = لقد انتقلت إلى الخلف مرة واحدة. لا يمكن نقل الرقم إلى الخلف إلا مرة واحدة.
postpone-done = تم: أنت الآن في آخر الطابور.
postpone-refused = نُقل هذا الرقم إلى الخلف من قبل ولا يمكن نقله مرة أخرى.
action-failed = لم ينجح ذلك. حاول مرة أخرى أو اسأل في مكتب الاستعلامات.
sound-on = تشغيل الصوت عند النداء
sound-is-on = الصوت مفعّل عند النداء
announce = حان دورك! يُرجى التوجّه إلى
feedback-title = كيف كانت زيارتك؟
rating-1 = 1 – سيئة جدًا
rating-2 = 2 – سيئة
rating-3 = 3 – مقبولة
rating-4 = 4 – جيدة
rating-5 = 5 – جيدة جدًا
feedback-comment = تعليق (اختياري)
feedback-send = إرسال
feedback-choose = يُرجى اختيار من 1 إلى 5 نجوم.
feedback-thanks = شكرًا لك على رأيك!
tablet-title = كيف كانت زيارتك اليوم؟
tablet-number = رقم تذكرتك
tablet-not-found = لا نجد رقم التذكرة هذا اليوم. يُرجى التحقق منه.
tablet-not-done = لم تنتهِ هذه الزيارة بعد.
tablet-already = قُيّمت هذه الزيارة من قبل. شكرًا لك!
