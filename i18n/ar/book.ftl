# The public booking page (web/book/), Arabic (right to left).

language-name = العربية
language = اللغة
page-title = حجز موعد
loading = جارٍ التحميل…
booking-title = حجز موعد
service = الخدمة
no-services = لا يمكن حجز أي خدمة في هذا المكتب.
day = اليوم
find = عرض الأوقات المتاحة
times-title = الأوقات المتاحة
no-slots = لا توجد أوقات متاحة في هذا اليوم. يُرجى اختيار يوم آخر.
fully-booked = { $time }، محجوز بالكامل
your-booking = حجزك
contact-hint = بيانات الاتصال اختيارية؛ لا يستخدمها المكتب إلا إذا اضطر إلى تغيير موعدك.
phone = الهاتف (اختياري)
email = البريد الإلكتروني (اختياري)
book = احجز هذا الوقت
confirmation-title = موعدك
date = التاريخ
time = الوقت
code = رمز التأكيد
ticket = الرقم
kiosk-hint = في المكتب، المس «لديّ موعد» على الكشك واكتب هذا الرمز أو قرّب رمز QR هذا من الماسح.
qr-alt = رمز QR لهذا الحجز
page-link = رابط هذا الحجز
cancel = إلغاء هذا الموعد
cancel-confirm = هل تريد إلغاء هذا الموعد؟
status-booked = محجوز
status-cancelled = ملغى
status-checked_in = سُجّل الحضور
status-missed = فائت (لم يسجّل أحد حضوره)
no-branch = افتح هذه الصفحة من رابط الحجز الخاص بمكتبك (/book/?branch=…).
not-found = هذا الحجز أو المكتب غير موجود.
slot-taken = حجز شخص آخر هذا الوقت للتو. يُرجى اختيار وقت آخر.
failed = لم يتم الحجز. حاول مرة أخرى.
offline = لا يوجد اتصال. حاول مرة أخرى.
